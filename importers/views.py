"""Staff pages: the import workspace (upload, layers' freshness, history, roll back), a run's live
progress and report (findings, preview map, columns), and the confirmation before publishing.

The import itself runs in the worker (importers/tasks.py); these pages queue it and show it.
"""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from layers.api.errors import InvalidParameter, error_response
from layers.api.exports import safe_cell
from layers.models import Layer, Municipality, Role
from layers.permissions import can_edit_layer, editable_municipalities, is_prefecture_admin

from . import runs
from .forms import ColumnsForm, UploadForm
from .models import ImportChange, ImportRun
from .report import ImportRefused
from .storage import store_upload
from .upload import ImportOptions

# Findings that say the automatic column mapping fell short: then the report offers the columns form.
COLUMN_FINDINGS = {"name_column_missing", "id_column_missing", "field_missing_everywhere", "chosen_column_missing"}
CONFIRM_LIST_LIMIT = 500


def _visible_runs(user):
    runs_ = ImportRun.objects.select_related("layer", "municipality", "user")
    if is_prefecture_admin(user):
        return runs_
    return runs_.filter(Q(municipality__in=editable_municipalities(user)) | Q(user=user))


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _workspace_municipality(request):
    """The municipality the workspace shows: ?municipality=CODE among the user's, else their first."""
    own = editable_municipalities(request.user, Role.Name.DATA_EDITOR).order_by("code")
    code = request.GET.get("municipality") or request.POST.get("workspace")
    return (own.filter(code=code).first() if code else None) or own.first(), own


@login_required
def import_list(request):
    """The workspace: upload a file; each layer of the municipality with its freshness; the history."""
    if not editable_municipalities(request.user, Role.Name.DATA_EDITOR).exists():
        raise PermissionDenied  # as the shelter pages do for someone with no shelters
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            layer, municipality = form.cleaned_data["layer"], form.cleaned_data["municipality"]
            if not can_edit_layer(request.user, layer, municipality):
                raise PermissionDenied
            try:
                stored = store_upload(form.cleaned_data["file"])
            except ImportRefused as refused:
                form.add_error("file", refused.findings[0].message_en)
            else:
                run = runs.queue_import(
                    stored,
                    layer=layer,
                    municipality=municipality,
                    user=request.user,
                    file_name=form.cleaned_data["file"].name,
                    publish_mode=form.cleaned_data["mode"],
                    options=ImportOptions(
                        encoding=form.cleaned_data["encoding"] or None,
                        srs=form.cleaned_data["srs"] or None,
                        values=form.cleaned_data["values"],
                    ),
                )
                page = reverse("import-report", args=[run.pk])
                if _wants_json(request):
                    return JsonResponse({"id": run.pk, "url": page}, status=202)
                return redirect(page)
        if _wants_json(request):
            errors = {name: [e["message"] for e in items] for name, items in form.errors.get_json_data().items()}
            name, texts = next(iter(errors.items()))
            return error_response(InvalidParameter(texts[0], parameter=name, code="invalid", fields=errors))
    municipality, own = _workspace_municipality(request)
    context = {
        "form": form,
        "runs": _visible_runs(request.user)[:30],
        "municipality": municipality,
        "municipalities": own if own.count() > 1 else [],
        "layers": runs.freshness(municipality) if municipality else [],
        "history": runs.audit_log(municipality),
        "stale_days": settings.IMPORT_STALE_AFTER_DAYS,
        "upload_texts": {
            "failed": _("The upload failed. Check the connection and try again."),
            "chosen": _("Chosen file:"),
        },
    }
    return render(request, "importers/import_list.html", context)


def _run_or_404(request, pk):
    return get_object_or_404(_visible_runs(request.user), pk=pk)


@login_required
def import_report(request, pk):
    """One run: its progress while it runs (polled), then the report, the preview and the columns."""
    run = _run_or_404(request, pk)
    runs.end_stalled_runs(ImportRun.objects.filter(pk=run.pk))
    run.refresh_from_db()
    severity = request.GET.get("severity") or ""
    field = request.GET.get("field") or ""
    findings = runs.findings_of(run, severity, field)
    can_edit = can_edit_layer(request.user, run.layer, run.municipality)
    column_trouble = any(f.get("code") in COLUMN_FINDINGS for f in run.report)
    columns_form = None
    if can_edit and run.status in (ImportRun.Status.REPORTED, ImportRun.Status.REFUSED) and run.columns.get("found"):
        columns_form = ColumnsForm(run=run)
    return render(
        request,
        "importers/import_report.html",
        {
            "run": run,
            "active": run.status in ImportRun.ACTIVE,
            "findings": findings,
            "severity": severity,
            "field": field,
            "fields": runs.finding_fields(run),
            "can_publish": can_edit and runs.is_publishable(run),
            "publish_mode": run.options.get("publish_mode", "replace"),
            "removals_to_confirm": runs.removals_to_confirm(run),
            "columns_form": columns_form,
            "column_trouble": column_trouble,
            "has_preview": run.changes.exists(),
            "poll_config": {
                "url": reverse("api-import", args=[run.pk]) + "?severity=error",
                "interval_ms": 1000,
                "texts": {"queued": _("Waiting for the worker…"), "running": _("Running…"), "done": _("Done")},
            },
            "preview_config": {
                "url": reverse("api-import-preview", args=[run.pk]),
                "basemap": settings.BASEMAP_URL,
                "attribution": settings.BASEMAP_ATTRIBUTION,
                "labels": dict(ImportChange.Change.choices),
            },
        },
    )


@login_required
def import_findings_csv(request, pk):
    """The findings (as filtered on the page) as CSV, for a spreadsheet."""
    run = _run_or_404(request, pk)
    findings = runs.findings_of(run, request.GET.get("severity"), request.GET.get("field"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = ("severity", "row", "field", "value", "code", "message_ja", "message_en")
    writer.writerow(columns)
    for f in findings:
        writer.writerow([safe_cell(f.get(c)) for c in columns])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-findings.csv"'
    return response


@login_required
def import_publish(request, pk):
    """GET: what publishing changes (counts and the features); POST: queue the publish."""
    run = _run_or_404(request, pk)
    if not can_edit_layer(request.user, run.layer, run.municipality):
        raise PermissionDenied
    if not runs.is_publishable(run):
        raise Http404("this run cannot be published")
    removals = runs.removals_to_confirm(run)
    error = None
    if request.method == "POST":
        typed = (request.POST.get("confirm_removals") or "").strip()
        confirm = int(typed) if typed.isdigit() else None
        try:
            publish_run = runs.queue_publish(run, request.user, confirm)
        except runs.ConfirmationRequired:
            error = _("Type the number of features that will be removed to confirm.")
        else:
            return redirect("import-report", pk=publish_run.pk)
    changes = run.changes.select_related("municipality").order_by("change", "source_id")
    groups = [
        (value, label, run.counts.get(value, 0), list(changes.filter(change=value)[:CONFIRM_LIST_LIMIT]))
        for value, label in ImportChange.Change.choices
    ]
    return render(
        request,
        "importers/import_confirm.html",
        {
            "run": run,
            "groups": groups,
            "removals_to_confirm": removals,
            "existing": run.counts.get("removed", 0) + run.counts.get("changed", 0) + run.counts.get("unchanged", 0),
            "error": error,
            "publish_mode": run.options.get("publish_mode", "replace"),
            "limit": CONFIRM_LIST_LIMIT,
        },
    )


@login_required
@require_POST
def import_columns(request, pk):
    """Save the columns chosen for this municipality and layer, and check the same file again with them."""
    run = _run_or_404(request, pk)
    if not can_edit_layer(request.user, run.layer, run.municipality):
        raise PermissionDenied
    form = ColumnsForm(request.POST, run=run)
    if not form.is_valid() or not run.stored_file:
        raise Http404("these columns cannot be applied")
    chosen = {**runs.remembered_columns(run.layer, run.municipality), **form.changed_columns()}
    runs.remember_columns(run.layer, run.municipality, chosen, request.user)
    options = runs.options_of(run)
    options.columns = chosen
    again = runs.queue_import(
        run.stored_file,
        layer=run.layer,
        municipality=run.municipality,
        user=request.user,
        file_name=run.file_name,
        publish_mode=run.options.get("publish_mode", "replace"),
        options=options,
    )
    return redirect("import-report", pk=again.pk)


@login_required
@require_POST
def layer_rollback(request, slug):
    """Undo the last publish of a layer in one municipality (a prefecture admin: or the whole layer)."""
    layer = get_object_or_404(Layer, slug=slug)
    code = request.POST.get("municipality") or ""
    municipality = get_object_or_404(Municipality, code=code) if code else None
    if not can_edit_layer(request.user, layer, municipality):
        raise PermissionDenied
    try:
        version = runs.rollback_last_publish(layer, municipality, request.user)
    except runs.NothingToRollBack:
        messages.error(request, _("There is no earlier version to go back to."))
    else:
        messages.success(
            request,
            _("%(layer)s is back as it was before its last publish (now version %(version)s).")
            % {"layer": layer.name_ja if request.LANGUAGE_CODE == "ja" else layer.name_en, "version": version},
        )
    target = reverse("import-list")
    return redirect(f"{target}?municipality={code}" if code else target)
