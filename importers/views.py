"""Staff pages: upload a file, read the row-level report of a dry run, then publish it."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from layers.permissions import can_edit_layer, editable_municipalities, is_prefecture_admin

from .forms import UploadForm
from .models import ImportRun
from .pipeline import DRY_RUN, run_import
from .report import ImportRefused
from .storage import store_upload
from .upload import ImportOptions


def _visible_runs(user):
    runs = ImportRun.objects.select_related("layer", "municipality", "user")
    if is_prefecture_admin(user):
        return runs
    return runs.filter(Q(municipality__in=editable_municipalities(user)) | Q(user=user))


@login_required
def import_list(request):
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        layer, municipality = form.cleaned_data["layer"], form.cleaned_data["municipality"]
        if not can_edit_layer(request.user, layer, municipality):
            raise PermissionDenied
        try:
            stored = store_upload(form.cleaned_data["file"])
        except ImportRefused as refused:
            form.add_error("file", refused.findings[0].message_en)
        else:
            options = ImportOptions(
                encoding=form.cleaned_data["encoding"] or None,
                srs=form.cleaned_data["srs"] or None,
                values=form.cleaned_data["values"],
            )
            result = run_import(
                stored,
                layer=layer,
                municipality=municipality,
                mode=DRY_RUN,
                publish_mode=form.cleaned_data["mode"],
                options=options,
                user=request.user,
                file_name=form.cleaned_data["file"].name,
            )
            result.run.stored_file = str(stored)
            result.run.options = {**result.run.options, "publish_mode": form.cleaned_data["mode"]}
            result.run.save(update_fields=["stored_file", "options"])
            return redirect("import-report", pk=result.run.pk)
    runs = _visible_runs(request.user)[:50]
    return render(request, "importers/import_list.html", {"form": form, "runs": runs})


@login_required
def import_report(request, pk):
    run = get_object_or_404(_visible_runs(request.user), pk=pk)
    findings = run.report
    can_publish = (
        run.status == ImportRun.Status.REPORTED
        and run.counts.get("errors") == 0
        and bool(run.stored_file)
        and can_edit_layer(request.user, run.layer, run.municipality)
    )
    return render(
        request,
        "importers/import_report.html",
        {
            "run": run,
            "errors": [f for f in findings if f["severity"] == "error"],
            "warnings": [f for f in findings if f["severity"] != "error"],
            "can_publish": can_publish,
            "publish_mode": run.options.get("publish_mode", "replace"),
        },
    )


@login_required
@require_POST
def import_publish(request, pk):
    """Publish a reviewed dry run: the same stored file and options, imported again in one transaction."""
    run = get_object_or_404(_visible_runs(request.user), pk=pk)
    if not can_edit_layer(request.user, run.layer, run.municipality):
        raise PermissionDenied
    if run.status != ImportRun.Status.REPORTED or not run.stored_file or not Path(run.stored_file).exists():
        raise Http404("this run cannot be published")
    options = ImportOptions(**{k: v for k, v in run.options.items() if k in ImportOptions.__dataclass_fields__})
    result = run_import(
        run.stored_file,
        layer=run.layer,
        municipality=run.municipality,
        mode=run.options.get("publish_mode", "replace"),
        options=options,
        user=request.user,
        file_name=run.file_name,
    )
    result.run.stored_file = run.stored_file
    result.run.save(update_fields=["stored_file"])
    return redirect("import-report", pk=result.run.pk)
