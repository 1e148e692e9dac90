"""scripts/backup.sh and scripts/restore-check.sh against the session's test database and a scratch
database on the same server: a fresh dump restores and matches; a copy that differs fails the check."""

import os
import re
import shutil
import subprocess
import uuid

import pytest

from tests.conftest import ROOT, _test_database_url

pytestmark = [
    pytest.mark.skipif(not shutil.which("pg_restore"), reason="PostgreSQL's client programs are not installed"),
    pytest.mark.django_db,  # the session's test database, set up and holding the demo data
]


def run(script, *args, env=None):
    return subprocess.run(
        ["bash", f"scripts/{script}", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def libpq(url):
    """Django's postgis:// URL as libpq's postgresql://."""
    return "postgresql:" + url.split(":", 1)[1]


def psql(url, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq(url), "-c", sql], check=True, timeout=120)


@pytest.fixture
def backup_env(tmp_path):
    return dict(os.environ, DATABASE_URL=_test_database_url(), BACKUP_DIR=str(tmp_path / "backups"))


@pytest.fixture
def dump(backup_env):
    done = run("backup.sh", env=backup_env)
    assert done.returncode == 0, done.stderr
    path = done.stdout.strip()
    assert re.search(r"/backups/test_\w+-\d{8}T\d{6}Z\.dump$", path), path
    return path


def test_a_fresh_backup_restores_and_matches(dump, backup_env):
    with open(dump, "rb") as f:
        assert f.read(5) == b"PGDMP"  # pg_dump's custom format
    checked = run("restore-check.sh", dump, env=backup_env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"OK: \d+ tables, \d+ rows and [1-9]\d* layer versions match", checked.stdout)
    assert not _scratch_databases(backup_env), "the restored copy is dropped"


@pytest.fixture
def scratch_source(dump, backup_env):
    """A database restored from the dump, to change without touching the session's test database."""
    url = backup_env["DATABASE_URL"]
    server = url.rsplit("/", 1)[0]
    scratch = f"ops_source_{uuid.uuid4().hex[:8]}"
    psql(url, f'CREATE DATABASE "{scratch}"')
    try:
        restored = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", libpq(f"{server}/{scratch}"), dump],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert restored.returncode == 0, restored.stderr
        yield f"{server}/{scratch}"
    finally:
        psql(url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def test_a_copy_that_differs_fails_the_check(dump, scratch_source, backup_env):
    env = dict(backup_env, DATABASE_URL=scratch_source)
    assert run("restore-check.sh", dump, env=env).returncode == 0  # the same data: it passes
    # The source moves on after the dump: a publish bumps a version, a feature goes.
    psql(scratch_source, "UPDATE layers_layer SET version = version + 1 WHERE slug = 'shelters'")
    psql(scratch_source, "DELETE FROM layers_feature WHERE id = (SELECT min(id) FROM layers_feature WHERE layer_id = "
                         "(SELECT id FROM layers_layer WHERE slug = 'parks'))")  # fmt: skip
    checked = run("restore-check.sh", dump, env=env)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "FAILED" in checked.stderr
    assert re.search(r"^-layer shelters version \d+$", checked.stdout, re.M)
    assert re.search(r"^-rows public\.layers_feature \d+$", checked.stdout, re.M)
    assert re.search(r"^-layer parks features \d+ vertices \d+$", checked.stdout, re.M)


def test_a_dump_missing_a_tables_data_fails_the_check(backup_env, tmp_path):
    url = libpq(backup_env["DATABASE_URL"])
    partial = tmp_path / "partial.dump"
    # Without the rollback snapshots: everything else restores, so only the counts can tell.
    subprocess.run(
        ["pg_dump", "-Fc", "--exclude-table-data=importers_featuresnapshot", "-f", partial, "-d", url],
        check=True, timeout=120,
    )  # fmt: skip
    checked = run("restore-check.sh", str(partial), env=backup_env)
    assert checked.returncode == 1
    assert re.search(r"^-rows public\.importers_featuresnapshot [1-9]\d*$", checked.stdout, re.M)
    assert re.search(r"^\+rows public\.importers_featuresnapshot 0$", checked.stdout, re.M)


def test_a_truncated_dump_fails_the_check(dump, backup_env, tmp_path):
    cut = tmp_path / "cut.dump"
    data = open(dump, "rb").read()
    cut.write_bytes(data[: len(data) // 2])
    checked = run("restore-check.sh", str(cut), env=backup_env)
    assert checked.returncode == 1 and "pg_restore could not restore" in checked.stderr
    assert not _scratch_databases(backup_env)


def test_an_unreadable_dump_is_refused(backup_env, tmp_path):
    checked = run("restore-check.sh", str(tmp_path / "missing.dump"), env=backup_env)
    assert checked.returncode == 2 and "cannot read" in checked.stderr


def _scratch_databases(env):
    url = libpq(env["DATABASE_URL"])
    out = subprocess.run(
        ["psql", "-X", "-At", "-d", url, "-c", "SELECT datname FROM pg_database WHERE datname LIKE 'restore_check_%'"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return out.stdout.split()
