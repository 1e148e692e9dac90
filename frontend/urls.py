from django.urls import path

from . import views

urlpatterns = [
    path("", views.map_page, name="map"),
    path("embed/", views.embed_page, name="embed"),
    path("service-worker.js", views.service_worker, name="service-worker"),
]
