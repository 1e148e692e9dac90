from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from layers.admin import PrefectureAdminsOnly
from layers.permissions import is_prefecture_admin

from .models import ColumnChoice, ImportRun, PublishedVersion
from .versions import rollback


@admin.register(ImportRun)
class ImportRunAdmin(PrefectureAdminsOnly, admin.ModelAdmin):
    list_display = (
        "created_at",
        "file_name",
        "layer",
        "municipality",
        "mode",
        "status",
        "published_version",
        "user",
    )
    list_filter = ("status", "mode", "layer")
    list_select_related = ("layer", "municipality", "user")
    search_fields = ("file_name", "file_sha256")
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False  # runs are records of imports, made only by the importer


@admin.register(PublishedVersion)
class PublishedVersionAdmin(PrefectureAdminsOnly, admin.ModelAdmin):
    """Every publish of every layer; a prefecture administrator can roll a layer back to one of them."""

    list_display = ("layer", "version", "municipality", "import_run", "rolled_back_to", "user", "created_at")
    list_filter = ("layer",)
    list_select_related = ("layer", "municipality", "import_run", "user")
    readonly_fields = [f.name for f in PublishedVersion._meta.fields]
    actions = ["roll_back_to_this_version"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the history is what rollback needs

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_prefecture_admin(request.user):
            actions.pop("roll_back_to_this_version", None)
        return actions

    @admin.action(description=_("Roll the layer back to the selected version (published as a new version)"))
    def roll_back_to_this_version(self, request, queryset):
        if not is_prefecture_admin(request.user):
            raise PermissionDenied
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        target = queryset.get()
        new_version = rollback(target.layer, target.version, user=request.user)
        self.message_user(
            request,
            _("%(layer)s now shows version %(old)s again, published as version %(new)s.")
            % {"layer": target.layer.slug, "old": target.version, "new": new_version},
            messages.SUCCESS,
        )


@admin.register(ColumnChoice)
class ColumnChoiceAdmin(PrefectureAdminsOnly, admin.ModelAdmin):
    """The columns editors chose per municipality and layer; deleting one returns to automatic mapping."""

    list_display = ("layer", "municipality", "updated_by", "updated_at")
    list_filter = ("layer",)
    readonly_fields = ("updated_by", "updated_at")
