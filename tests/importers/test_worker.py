"""The real worker (scripts/worker.sh) on the session's test database: it runs a queued import, and
when it is killed mid-run the run ends failed with a reason and nothing is published."""

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django_tasks_db.models import DBTaskResult

from importers import runs
from importers.models import ImportRun
from importers.tasks import run_import_task
from layers.models import Feature, Layer, Municipality, Role
from tests.conftest import _test_database_url
from tests.factories import SUITA_POINT, write_csv

ROOT = Path(__file__).resolve().parents[2]
CP932_CSV = ROOT / "fixtures" / "shelters" / "gsi_csv" / "27205_shitei-kinkyu-hinanbasho_cp932.csv"
GSI_HEADER = ["NO", "共通ID", "施設・場所名", "住所", "洪水", "地震", "緯度", "経度", "備考"]


def start_worker(upload_root, tmp=None):
    env = dict(os.environ, DATABASE_URL=_test_database_url(), PYTHON=sys.executable, DEBUG="true")
    env["UPLOAD_ROOT"] = str(upload_root)
    if tmp is not None:
        env["TMPDIR"] = str(tmp)  # where its work folders go
    return subprocess.Popen(
        ["bash", "scripts/worker.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so the test can kill the worker and its shell
    )


def wait_for(predicate, timeout=60, message="timed out"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(message)


@pytest.fixture
def committed(django_db_blocker, django_db_setup, tmp_path, settings):
    """A committed editor (the worker is another process); what the test made is removed after it."""
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    made = {"runs": []}
    with django_db_blocker.unblock():
        user = User.objects.create_user("worker-test-editor")
        Role.objects.create(user=user, name=Role.Name.DATA_EDITOR, municipality=Municipality.objects.get(code="27205"))
        made["user"] = user
        yield made
        for run in ImportRun.objects.filter(pk__in=made["runs"]):
            DBTaskResult.objects.filter(id=run.task_id).delete()
            run.delete()
        user.delete()


def test_imports_are_queued_in_the_database_on_the_imports_queue(db):
    # (Also makes pytest-django set up the test database when this module runs alone.)
    from django_tasks_db.backend import DatabaseBackend

    assert run_import_task.queue_name == "imports"
    assert isinstance(run_import_task.get_backend(), DatabaseBackend)


def test_the_worker_runs_a_queued_import(committed, tmp_path):
    suita = Municipality.objects.get(code="27205")
    stored = tmp_path / "uploads" / CP932_CSV.name
    stored.parent.mkdir(parents=True)
    stored.write_bytes(CP932_CSV.read_bytes())
    run = runs.queue_import(
        stored,
        layer=Layer.objects.get(slug="shelters"),
        municipality=suita,
        user=committed["user"],
        file_name=CP932_CSV.name,
        publish_mode="upsert",
    )
    committed["runs"].append(run.pk)
    worker = start_worker(tmp_path / "uploads")
    try:
        wait_for(
            lambda: DBTaskResult.objects.get(id=run.task_id).status == "SUCCESSFUL",
            message="the worker did not finish the import",
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)
    run.refresh_from_db()
    assert run.status == "reported" and run.encoding == "cp932" and run.counts["rows"] == 100


def test_a_worker_killed_mid_run_ends_the_run_failed_with_nothing_published(committed, tmp_path, settings, monkeypatch):
    layer = Layer.objects.get(slug="shelters")
    suita = Municipality.objects.get(code="27205")
    before = sorted(Feature.objects.filter(layer=layer, municipality=suita).values_list("source_id", flat=True))
    version = layer.version
    rng = random.Random(19)  # noqa: S311 - test coordinates, not secrets
    rows = [
        [
            n,
            f"E27205{n:05d}201",
            f"テスト避難場所{n}",
            "大阪府吹田市",
            "1",
            "1",
            round(SUITA_POINT[1] + rng.uniform(-0.004, 0.004), 6),
            round(SUITA_POINT[0] + rng.uniform(-0.004, 0.004), 6),
            "",
        ]
        for n in range(10_000, 90_000)
    ]
    (tmp_path / "uploads").mkdir(parents=True)
    big = write_csv(tmp_path / "uploads" / "suita_big.csv", GSI_HEADER, rows, encoding="cp932")
    run = ImportRun.objects.create(
        layer=layer,
        municipality=suita,
        user=committed["user"],
        mode="replace",  # publishing straight away: the worker dies before the publish can happen
        status=ImportRun.Status.QUEUED,
        file_name=big.name,
        stored_file=str(big),
        options={"publish_mode": "replace"},
    )
    run.task_id = str(run_import_task.enqueue(run.pk).id)
    run.save(update_fields=["task_id"])
    committed["runs"].append(run.pk)

    work = tmp_path / "tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    worker = start_worker(tmp_path / "uploads", tmp=work)
    try:
        wait_for(
            lambda: ImportRun.objects.filter(pk=run.pk, status="running", progress__rows__gte=500).exists(),
            message="the worker did not start checking rows",
        )
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # no goodbye: as when the machine or the OOM killer stops it
        worker.wait(timeout=20)

    run.refresh_from_db()
    assert run.status == "running" and run.progress["rows"] < len(rows), "killed mid-run"
    assert [p.name[:10] for p in work.iterdir()] == ["mapimport-"], "the killed worker left its work folder"
    settings.IMPORT_WORKER_LOST_SECONDS = 1
    time.sleep(1.5)
    assert [r.pk for r in runs.end_stalled_runs()] == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and "worker" in run.failure and run.published_version is None
    assert DBTaskResult.objects.get(id=run.task_id).status == "FAILED"
    assert list(work.iterdir()) == [], "the work folder of the killed worker is removed"
    layer.refresh_from_db()
    assert layer.version == version, "nothing published"
    assert sorted(Feature.objects.filter(layer=layer, municipality=suita).values_list("source_id", flat=True)) == before
