from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from layers import views as layer_views

urlpatterns = [
    path("", include("frontend.urls")),
    path("healthz", layer_views.healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/shelters/", include("layers.status_urls")),
    path("", include("layers.answer_urls")),
    path("api/", include("layers.urls")),
    path("staff/imports/", include("importers.urls")),
    path("staff/", include("layers.staff_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("tiles/", include("layers.tile_urls")),
    path("ogc/", include("layers.ogc.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
