from django.conf import settings
from django.contrib import admin
from django.contrib.gis import admin as gis_admin
from django.contrib.gis.forms.widgets import OSMWidget
from django.utils.translation import gettext_lazy as _

from .models import Feature, HazardAdvice, Layer, Municipality, Role, Ward
from .permissions import is_prefecture_admin


class LocalOSMWidget(OSMWidget):
    """Django's map widget with OpenLayers from our static files (no CDN), the map's own base map, and
    no inline script (the Content-Security-Policy allows none): the options travel as a JSON data block
    that static/staff/admin-map-widget.js reads."""

    template_name = "admin/map_widget.html"
    default_lon = 135.52
    default_lat = 34.69
    default_zoom = 10

    class Media:
        extend = False
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js", "staff/admin-map-widget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["map_options"] = {
            "geom_name": context["geom_type"],
            "id": context["id"],
            "map_id": f"{context['id']}_map",
            "map_srid": self.map_srid,
            "name": context["name"],
            "default_lon": self.default_lon,
            "default_lat": self.default_lat,
            "default_zoom": self.default_zoom,
            "module": context["module"],
            "basemap_url": settings.BASEMAP_URL,
            "basemap_attribution": settings.BASEMAP_ATTRIBUTION,
        }
        context["map_options_id"] = f"{context['id']}_options"
        return context


class PrefectureAdminsOnly:
    """The map's records in the admin are for prefecture administrators, on top of Django's model
    permissions: the admin cannot tell one municipality's records from another's, so municipal staff
    work through the staff pages and APIs, which ask layers/permissions.py for each municipality."""

    def has_module_permission(self, request):
        return is_prefecture_admin(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_prefecture_admin(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return is_prefecture_admin(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_prefecture_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_prefecture_admin(request.user) and super().has_delete_permission(request, obj)


class MapAdmin(PrefectureAdminsOnly, gis_admin.GISModelAdmin):
    gis_widget = LocalOSMWidget


@admin.register(Municipality)
class MunicipalityAdmin(MapAdmin):
    list_display = ("code", "name_ja", "name_kana", "name_en", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name_ja", "name_kana", "name_en")


@admin.register(Ward)
class WardAdmin(MapAdmin):
    list_display = ("code", "name_ja", "name_en", "municipality")
    list_filter = ("municipality",)
    search_fields = ("code", "name_ja", "name_kana", "name_en")


@admin.register(Layer)
class LayerAdmin(PrefectureAdminsOnly, admin.ModelAdmin):
    list_display = (
        "slug",
        "name_ja",
        "name_en",
        "kind",
        "category",
        "version",
        "updated_at",
    )
    list_filter = ("kind", "category")
    search_fields = ("slug", "name_ja", "name_en")
    readonly_fields = ("version", "updated_at")


@admin.register(Feature)
class FeatureAdmin(MapAdmin):
    list_display = ("name", "layer", "municipality", "ward", "source_id", "updated_at")
    list_filter = ("layer", "municipality")
    search_fields = ("name", "name_kana", "address", "source_id")
    list_select_related = ("layer", "municipality", "ward")
    raw_id_fields = ("ward",)


@admin.register(Role)
class RoleAdmin(PrefectureAdminsOnly, admin.ModelAdmin):
    list_display = ("user", "name", "municipality", "ward")
    list_filter = ("name", "municipality")
    search_fields = ("user__username", "municipality__name_ja", "ward__name_ja")
    autocomplete_fields = ("municipality", "ward")


@admin.register(HazardAdvice)
class HazardAdviceAdmin(admin.ModelAdmin):
    """The wording of the recommended actions in the hazard report (/api/hazards/at/, /here)."""

    list_display = ("hazard_type", "level", "action_ja", "updated_at")
    list_filter = ("hazard_type",)
    search_fields = ("action_ja", "action_en", "action_easy")
    readonly_fields = ("updated_at",)

    # One wording for the whole prefecture: its administrators write it.
    def has_module_permission(self, request):
        return is_prefecture_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_prefecture_admin(request.user)

    def has_add_permission(self, request):
        return is_prefecture_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_prefecture_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_prefecture_admin(request.user)


admin.site.site_header = _("Osaka wide-area map administration")
admin.site.site_title = _("Osaka map admin")
