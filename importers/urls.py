from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_list, name="import-list"),
    path("<int:pk>/", views.import_report, name="import-report"),
    path("<int:pk>/publish", views.import_publish, name="import-publish"),
]
