"""Import runs in the background: queue one, publish a reviewed one, end those whose worker is gone,
undo a publish, and say how fresh each layer of a municipality is.

The web (staff pages and the API) calls these; the worker runs `importers.tasks.run_import_task`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from layers.models import Feature, Layer, Municipality

from .models import ColumnChoice, ImportRun, PublishedVersion
from .pipeline import DRY_RUN
from .publish import REPLACE, UPSERT
from .upload import ImportOptions, remove_orphaned_workspaces
from .versions import RollbackError, previous_version, rollback

PUBLISH_MODES = (REPLACE, UPSERT)


class NotPublishable(Exception):
    """The run is not a clean, finished dry run whose file is still kept."""


@dataclass
class ConfirmationRequired(Exception):
    """A replace would remove more than the configured share of what is published: say the number."""

    removed: int
    existing: int

    def __str__(self):
        return (
            f"publishing removes {self.removed} of the {self.existing} features published for this "
            f"municipality; confirm with confirm_removals={self.removed}"
        )


class NothingToRollBack(Exception):
    pass


def options_of(run: ImportRun) -> ImportOptions:
    fields = ImportOptions.__dataclass_fields__
    return ImportOptions(**{k: v for k, v in run.options.items() if k in fields})


def remembered_columns(layer, municipality) -> dict[str, str]:
    choice = ColumnChoice.objects.filter(layer=layer, municipality=municipality).first()
    return dict(choice.columns) if choice else {}


def remember_columns(layer, municipality, columns: dict[str, str], user) -> None:
    ColumnChoice.objects.update_or_create(
        layer=layer, municipality=municipality, defaults={"columns": columns, "updated_by": user}
    )


def queue_import(
    stored_file: Path,
    *,
    layer: Layer,
    municipality: Municipality | None,
    user,
    file_name: str,
    publish_mode: str = REPLACE,
    options: ImportOptions | None = None,
    publish: bool = False,
    confirm_removals: int | None = None,
) -> ImportRun:
    """A dry run of the stored file, queued for the worker in the same transaction as its ImportRun.

    With `publish`, the worker queues the publish itself once the report has no errors (and the
    mass-removal guard is satisfied by `confirm_removals`).
    """
    from .tasks import run_import_task

    options = options or ImportOptions()
    if not options.columns:
        options.columns = remembered_columns(layer, municipality)
    stored = {k: v for k, v in vars(options).items() if v}
    stored["publish_mode"] = publish_mode
    if publish:
        stored["publish_when_clean"] = True
        if confirm_removals is not None:
            stored["confirm_removals"] = confirm_removals
    with transaction.atomic():
        run = ImportRun.objects.create(
            layer=layer,
            municipality=municipality,
            user=user,
            mode=DRY_RUN,
            status=ImportRun.Status.QUEUED,
            file_name=file_name,
            stored_file=str(stored_file),
            options=stored,
        )
        run.task_id = str(run_import_task.enqueue(run.pk).id)
        run.save(update_fields=["task_id"])
    return run


def removals_to_confirm(run: ImportRun) -> int | None:
    """How many features publishing `run` would remove, when that needs an explicit confirmation."""
    if run.options.get("publish_mode", REPLACE) != REPLACE:
        return None
    counts = run.counts
    removed = counts.get("removed", 0)
    existing = removed + counts.get("changed", 0) + counts.get("unchanged", 0)
    if removed and removed * 100 > existing * settings.IMPORT_CONFIRM_REMOVAL_PERCENT:
        return removed
    return None


def is_publishable(run: ImportRun) -> bool:
    return (
        run.status == ImportRun.Status.REPORTED
        and run.counts.get("errors") == 0
        and bool(run.stored_file)
        and Path(run.stored_file).exists()
        and not run.publish_runs.exclude(status__in=(ImportRun.Status.FAILED, ImportRun.Status.REFUSED)).exists()
    )


def queue_publish(run: ImportRun, user, confirm_removals: int | None = None) -> ImportRun:
    """Publish a reviewed dry run: the same stored file and options, imported again by the worker."""
    from .tasks import run_import_task

    if not is_publishable(run):
        raise NotPublishable(f"import run {run.pk} cannot be published ({run.get_status_display()})")
    removed = removals_to_confirm(run)
    if removed is not None and confirm_removals != removed:
        counts = run.counts
        raise ConfirmationRequired(removed, removed + counts.get("changed", 0) + counts.get("unchanged", 0))
    options = {k: v for k, v in run.options.items() if k not in ("publish_when_clean", "confirm_removals")}
    with transaction.atomic():
        publish_run = ImportRun.objects.create(
            layer=run.layer,
            municipality=run.municipality,
            user=user,
            mode=run.options.get("publish_mode", REPLACE),
            status=ImportRun.Status.QUEUED,
            file_name=run.file_name,
            stored_file=run.stored_file,
            options=options,
            source_run=run,
        )
        publish_run.task_id = str(run_import_task.enqueue(publish_run.pk).id)
        publish_run.save(update_fields=["task_id"])
    return publish_run


def fail_run(run: ImportRun, reason: str) -> None:
    """End a run as failed. Publishing is one transaction, so a failed run has published nothing."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.FAILED, failure=reason, finished_at=now, published_version=None
    )
    run.refresh_from_db()
    if run.task_id:
        # The queue's own record of a task whose worker died says "running" for ever otherwise.
        DBTaskResult.objects.filter(id=run.task_id, status__in=("READY", "RUNNING")).update(
            status="FAILED", finished_at=now
        )


def end_stalled_runs(runs=None) -> list[ImportRun]:
    """End the runs whose worker stopped beating (killed, machine gone) or that made no progress for
    too long (stuck); returns them. Called by every status poll and by each worker before a job."""
    now = timezone.now()
    lost = now - timedelta(seconds=settings.IMPORT_WORKER_LOST_SECONDS)
    stuck = now - timedelta(seconds=settings.IMPORT_STUCK_SECONDS)
    candidates = (runs if runs is not None else ImportRun.objects.all()).filter(status=ImportRun.Status.RUNNING)
    ended = []
    for run in candidates.filter(Q(heartbeat_at__lt=lost) | Q(heartbeat_at__isnull=True) | Q(progressed_at__lt=stuck)):
        if run.heartbeat_at is None or run.heartbeat_at < lost:
            seconds = int((now - (run.heartbeat_at or run.started_at or run.created_at)).total_seconds())
            reason = (
                f"The worker running this import stopped (no sign of life for {seconds} s); nothing was "
                "published. Upload the file again. / 取込を実行していたワーカーが停止しました。何も公開されていません。"
            )
        else:
            reason = (
                f"The import made no progress for {settings.IMPORT_STUCK_SECONDS // 60} minutes and was "
                "ended; nothing was published. / 取込が進まなくなったため終了しました。何も公開されていません。"
            )
        fail_run(run, reason)
        ended.append(run)
    if ended:
        remove_orphaned_workspaces()  # what a killed worker on this machine left in its work folder
    return ended


def rollback_last_publish(layer: Layer, municipality: Municipality | None, user, to_version=None) -> int:
    """Undo the last publish of `layer` for `municipality` (None: the whole layer); returns the new version."""
    target = to_version if to_version is not None else previous_version(layer, municipality)
    if target is None:
        raise NothingToRollBack(f"{layer.slug} has no earlier version to go back to")
    try:
        return rollback(layer, target, user=user, municipality=municipality)
    except RollbackError as exc:
        raise NothingToRollBack(str(exc)) from exc


@dataclass
class LayerFreshness:
    layer: Layer
    features: int
    last_publish: PublishedVersion | None
    stale: bool
    can_roll_back: bool


def freshness(municipality: Municipality) -> list[LayerFreshness]:
    """Each layer with its features in the municipality, its last publish there and whether it is old."""
    counts = dict(
        Feature.objects.filter(municipality=municipality)
        .values_list("layer")
        .annotate(n=Count("id"))
        .values_list("layer", "n")
    )
    cutoff = timezone.now() - timedelta(days=settings.IMPORT_STALE_AFTER_DAYS)
    rows = []
    for layer in Layer.objects.all():
        covering = PublishedVersion.objects.filter(layer=layer).filter(
            Q(municipality=municipality) | Q(municipality__isnull=True)
        )
        last = covering.select_related("user", "import_run").order_by("-version").first()
        rows.append(
            LayerFreshness(
                layer=layer,
                features=counts.get(layer.pk, 0),
                last_publish=last,
                stale=last is None or last.created_at < cutoff,
                can_roll_back=last is not None and previous_version(layer, municipality) is not None,
            )
        )
    return rows


def audit_log(municipality: Municipality | None, limit=30):
    """Publishes and rollbacks (who, when, from which run) that touched the municipality."""
    versions = PublishedVersion.objects.select_related("layer", "user", "import_run", "municipality")
    if municipality is not None:
        versions = versions.filter(Q(municipality=municipality) | Q(municipality__isnull=True))
    return versions.order_by("-created_at", "-version")[:limit]


def findings_of(run: ImportRun, severity: str | None = None, field: str | None = None) -> list[dict]:
    """The run's findings, those of one severity and/or one field when asked."""
    return [
        f
        for f in run.report
        if (not severity or f.get("severity") == severity) and (not field or (f.get("field") or "") == field)
    ]


def finding_fields(run: ImportRun) -> list[str]:
    return sorted({f["field"] for f in run.report if f.get("field")})
