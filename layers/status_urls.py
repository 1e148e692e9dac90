from django.urls import path

from . import status_views

urlpatterns = [
    path("status/", status_views.status_feed, name="shelter-status-feed"),
    path("status/export", status_views.status_export, name="shelter-status-export"),
    path("<str:shelter_id>/status/", status_views.ShelterStatusView.as_view(), name="shelter-status"),
]
