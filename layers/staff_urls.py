from django.urls import path
from django.views.generic import RedirectView

from . import staff_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="staff-shelters"), name="staff-home"),
    path("shelters/", staff_views.shelter_list, name="staff-shelters"),
    path("shelters/bulk/", staff_views.shelter_bulk, name="staff-shelters-bulk"),
    path("shelters/<int:pk>/", staff_views.shelter_detail, name="staff-shelter"),
]
