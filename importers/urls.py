from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_list, name="import-list"),
    path("<int:pk>/", views.import_report, name="import-report"),
    path("<int:pk>/findings.csv", views.import_findings_csv, name="import-findings-csv"),
    path("<int:pk>/publish", views.import_publish, name="import-publish"),
    path("<int:pk>/columns", views.import_columns, name="import-columns"),
    path("layers/<slug:slug>/rollback", views.layer_rollback, name="import-layer-rollback"),
]
