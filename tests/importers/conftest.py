"""Import jobs in tests: queued in the test's transaction, run here as the worker would run them."""

import pytest


def run_queued_imports() -> int:
    """Run every queued import job in this process and transaction, oldest first; returns how many ran."""
    from django_tasks_db.models import DBTaskResult

    from importers.tasks import run_import_task

    ran = 0
    while True:
        job = DBTaskResult.objects.ready().filter(task_path=run_import_task.module_path).order_by("enqueued_at").first()
        if job is None:
            return ran
        job.claim("test-worker")
        job.set_successful(run_import_task.call(*job.task_result.args, **job.task_result.kwargs))
        ran += 1


@pytest.fixture
def run_jobs(db):
    return run_queued_imports
