from django.urls import path

from . import views

urlpatterns = [
    path("", views.landing, name="ogc-landing"),
    path("conformance", views.conformance, name="ogc-conformance"),
    path("api", views.api, name="ogc-api"),
    path("collections", views.collections, name="ogc-collections"),
    path("collections/<slug:slug>", views.collection, name="ogc-collection"),
    path("collections/<slug:slug>/queryables", views.queryables, name="ogc-queryables"),
    path("collections/<slug:slug>/items", views.items, name="ogc-items"),
    path("collections/<slug:slug>/items/<str:feature_id>", views.item, name="ogc-item"),
]
