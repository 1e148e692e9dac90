"""Answers for residents: search, nearest, the hazard report (API) and the same report as a page."""

from django.urls import path

from . import answer_views

urlpatterns = [
    path("api/search/", answer_views.search_view, name="search"),
    path("api/nearest/", answer_views.nearest_view, name="nearest"),
    path("api/hazards/at/", answer_views.hazards_at_view, name="hazards-at"),
    path("here", answer_views.here, name="here"),
]
