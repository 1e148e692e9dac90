from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from layers import views as layer_views

urlpatterns = [
    path("", include("frontend.urls")),
    path("healthz", layer_views.healthz, name="healthz"),
    path("api/", include("layers.urls")),
    path("staff/imports/", include("importers.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
