#!/usr/bin/env bash
# The import worker: runs the queued imports (django-tasks' database backend, queue "imports").
# Environment: IMPORT_WORKERS (1): how many worker processes to start here; run the script on more
# machines for more. PYTHON (.venv/bin/python). Each worker takes one import at a time; the queue is
# a PostgreSQL table, so workers need only the database and the upload folder (UPLOAD_ROOT) the web uses.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=${PYTHON:-.venv/bin/python}
[ -x "$python" ] || python=$(command -v python3)
count=${IMPORT_WORKERS:-1}
run_one() { "$python" manage.py db_worker --queue-name imports --no-reload --interval 1 --verbosity "${WORKER_VERBOSITY:-1}"; }
if [ "$count" -le 1 ]; then
  run_one
  exit
fi
pids=()
for _ in $(seq "$count"); do run_one & pids+=($!); done
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
wait
