from django.urls import path

from . import views

urlpatterns = [
    path("layers/", views.layers_index, name="layers-index"),
    path("layers/<slug:slug>/", views.layer_detail, name="layer-detail"),
    path("layers/<slug:slug>/features/", views.layer_features, name="layer-features"),
    path("layers/<slug:slug>/features/<int:feature_id>/", views.layer_feature, name="layer-feature"),
    path("municipalities/", views.municipalities, name="municipalities"),
]
