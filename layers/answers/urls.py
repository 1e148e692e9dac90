"""Answers for residents: search, nearest, the hazard report (API) and the same report as a page."""

from django.urls import path

from . import views

urlpatterns = [
    path("api/search/", views.search_view, name="search"),
    path("api/nearest/", views.nearest_view, name="nearest"),
    path("api/hazards/at/", views.hazards_at_view, name="hazards-at"),
    path("here", views.here, name="here"),
]
