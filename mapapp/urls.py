"""The site's URL map: each capability's own urls.py, mounted under its prefix."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from layers.api.views import healthz
from mapapp.metrics import metrics_view

urlpatterns = [
    path("", include("frontend.urls")),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's set-up script as a file: the Content-Security-Policy allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/shelters/", include("layers.status.urls")),
    path("", include("layers.answers.urls")),
    path("api/", include("importers.api.urls")),
    path("api/", include("layers.api.urls")),
    path("staff/imports/", include("importers.urls")),
    path("staff/", include("layers.staff.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("tiles/", include("layers.tiles.urls")),
    path("ogc/", include("layers.ogc.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]

# Unknown URLs and failures under /api/, /tiles/ and /ogc/ answer in the API's one error shape.
handler404 = "layers.api.errors.not_found"
handler500 = "layers.api.errors.server_error"
