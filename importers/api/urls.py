from django.urls import path, re_path

from . import views

urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="api-imports"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="api-import"),
    re_path(r"^imports/(?P<pk>\d+)/preview/?$", views.ImportPreviewView.as_view(), name="api-import-preview"),
    path("imports/<int:pk>/publish/", views.ImportPublishView.as_view(), name="api-import-publish"),
    path("layers/<slug:slug>/rollback/", views.LayerRollbackView.as_view(), name="api-layer-rollback"),
]
