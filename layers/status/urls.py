from django.urls import path

from . import views

urlpatterns = [
    path("status/", views.status_feed, name="shelter-status-feed"),
    path("status/export", views.status_export, name="shelter-status-export"),
    path("<str:shelter_id>/status/", views.ShelterStatusView.as_view(), name="shelter-status"),
]
