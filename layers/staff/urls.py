from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="staff-shelters"), name="staff-home"),
    path("shelters/", views.shelter_list, name="staff-shelters"),
    path("shelters/bulk/", views.shelter_bulk, name="staff-shelters-bulk"),
    path("shelters/<int:pk>/", views.shelter_detail, name="staff-shelter"),
]
