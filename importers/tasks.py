"""The import job the worker runs (`manage.py db_worker --queue-name imports`, see scripts/worker.sh).

While the pipeline works, a thread stamps the run's heartbeat every IMPORT_HEARTBEAT_SECONDS; a run
whose heartbeat stops (the worker was killed) is ended as failed by `runs.end_stalled_runs`.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils import timezone
from django_tasks import task

from layers.models import Feature, Municipality

from . import runs
from .columns import COMMON_TARGETS
from .models import ImportChange, ImportRun
from .pipeline import DRY_RUN, run_import
from .upload import remove_orphaned_workspaces

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = getattr(settings, "IMPORT_HEARTBEAT_SECONDS", 10)


@task(queue_name="imports")
def run_import_task(run_id: int) -> str:
    runs.end_stalled_runs()
    remove_orphaned_workspaces()
    run = ImportRun.objects.select_related("layer", "municipality", "user").get(pk=run_id)
    if run.status != ImportRun.Status.QUEUED:
        return run.status  # ended while it waited (a stalled-run sweep, or run twice)
    try:
        execute(run)
    except Exception as exc:  # a bug of ours outside the pipeline's own net: the run says so
        log.exception("import run %s failed", run_id)
        runs.fail_run(run, f"{type(exc).__name__}: {exc}"[:500])
    return run.status


class Heartbeat(threading.Thread):
    """Stamps ImportRun.heartbeat_at from its own connection until stopped."""

    def __init__(self, run_id):
        super().__init__(daemon=True, name=f"import-heartbeat-{run_id}")
        self.run_id = run_id
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                ImportRun.objects.filter(pk=self.run_id).update(heartbeat_at=timezone.now())
        finally:
            connection.close()


def execute(run: ImportRun) -> None:
    now = timezone.now()
    run.status = ImportRun.Status.RUNNING
    run.started_at = run.heartbeat_at = run.progressed_at = now
    run.progress = {"rows": 0, "total": estimate_rows(Path(run.stored_file))}
    run.save(update_fields=["status", "started_at", "heartbeat_at", "progressed_at", "progress"])

    def progress(rows):
        run.progress = {**run.progress, "rows": rows}
        run.progressed_at = timezone.now()
        ImportRun.objects.filter(pk=run.pk).update(progress=run.progress, progressed_at=run.progressed_at)

    heartbeat = Heartbeat(run.pk)
    heartbeat.start()
    try:
        result = run_import(
            run.stored_file,
            layer=run.layer,
            municipality=run.municipality,
            mode=run.mode,
            publish_mode=run.options.get("publish_mode"),
            options=runs.options_of(run),
            user=run.user,
            file_name=run.file_name,
            progress=progress,
            run=run,
        )
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
    run.progress = {**run.progress, "rows": result.rows}
    run.finished_at = timezone.now()
    run.columns = {
        "found": result.columns,
        "mapped": mapped_columns(result.mapping) if result.mapping else {},
    }
    run.save(update_fields=["progress", "finished_at", "columns"])
    if run.mode == DRY_RUN and result.plan is not None:
        record_changes(run, result.plan)
        if run.options.get("publish_when_clean"):
            try:
                runs.queue_publish(run, run.user, run.options.get("confirm_removals"))
            except (runs.NotPublishable, runs.ConfirmationRequired) as exc:
                log.info("import run %s not published: %s", run.pk, exc)


def estimate_rows(path: Path) -> int | None:
    """Rows to expect, for the progress bar: lines of a CSV, features of a GeoJSON; None otherwise."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".geojson", ".json") or not path.is_file():
        return None
    needle = b"\n" if suffix in (".csv", ".txt") else b'"Feature"'
    count = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            count += block.count(needle)
    return max(count - 1, 0) if needle == b"\n" else count


def mapped_columns(mapping) -> dict[str, str]:
    mapped = {target: getattr(mapping, target) for target in COMMON_TARGETS if getattr(mapping, target) is not None}
    mapped.update(mapping.fields)
    for name, flags in mapping.flags.items():
        mapped[name] = ", ".join(flags.values())
    return mapped


def _geos(geometry):
    return GEOSGeometry(memoryview(shapely.to_wkb(geometry)), srid=4326)


def record_changes(run: ImportRun, plan) -> None:
    """Keep what publishing would change (new, changed, removed), for the preview and the confirmation."""
    _summary, to_update, to_create, removed = plan
    limit = settings.IMPORT_PREVIEW_MAX_FEATURES
    municipalities = dict(Municipality.objects.values_list("code", "pk"))
    changes = []
    new = ((ImportChange.Change.NEW, c) for c in to_create)
    changed = ((ImportChange.Change.CHANGED, c) for _feature, c in to_update)
    for change, candidate in [*new, *changed]:
        if len(changes) >= limit:
            break
        changes.append(
            ImportChange(
                import_run=run,
                change=change,
                municipality_id=municipalities[candidate.municipality_code],
                source_id=candidate.source_id,
                name=candidate.name or "",
                address=candidate.address or "",
                geom=_geos(candidate.geometry),
            )
        )
    ImportChange.objects.bulk_create(changes, batch_size=1000)
    room = max(limit - len(changes), 0)
    if removed and room:
        gone = Feature.objects.filter(pk__in=removed[:room]).values_list(
            "municipality_id", "source_id", "name", "address", "geom"
        )
        ImportChange.objects.bulk_create(
            [
                ImportChange(
                    import_run=run,
                    change=ImportChange.Change.REMOVED,
                    municipality_id=m,
                    source_id=s,
                    name=n,
                    address=a,
                    geom=g,
                )
                for m, s, n, a, g in gone
            ],
            batch_size=1000,
        )
