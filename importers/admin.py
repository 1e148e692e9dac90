from django.contrib import admin

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "file_name",
        "layer",
        "municipality",
        "mode",
        "status",
        "published_version",
    )
    list_filter = ("status", "mode", "layer")
    search_fields = ("file_name", "file_sha256")
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False  # runs are records of imports, made only by the importer
