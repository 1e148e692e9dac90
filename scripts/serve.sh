#!/usr/bin/env bash
# The production web server: granian (a Rust HTTP server) running mapapp.wsgi. Used by the Dockerfile,
# the benchmark target and the tests' live server, so all three run the service the same way.
# Why granian and not gunicorn: per request it costs ~0.3 ms less on this service's small tiles and
# serves ~15 % more tiles/s at 32 connections (bench/RESULTS.md).
# Environment: HOST (127.0.0.1), PORT (8000), WEB_WORKERS (one process per CPU), WEB_THREADS (Python
# threads per process, 8: tiles mostly wait on PostgreSQL), ACCESS_LOG (true; false with LOG_FORMAT=json),
# PROMETHEUS_MULTIPROC_DIR (var/metrics/PORT), PYTHON (.venv/bin/python).
# granian warns when threads exceed 2 × CPUs + 1; on 2 cores 8 threads served ~20 % more tiles/s than 5.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=${PYTHON:-.venv/bin/python}
[ -x "$python" ] || python=$(command -v python3)
# With LOG_FORMAT=json Django logs each request as JSON (mapapp/logs.py), so granian's own line is off.
access_log=--access-log
[ "${LOG_FORMAT:-text}" = json ] && access_log=--no-access-log
[ "${ACCESS_LOG:-}" = false ] && access_log=--no-access-log
[ "${ACCESS_LOG:-}" = true ] && access_log=--access-log
# Metrics from all of granian's processes (mapapp/metrics.py): each writes its values into this folder,
# one folder per server, emptied at start so a restart begins at zero as Prometheus expects.
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/metrics/${PORT:-8000}}
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete
exec "$python" -m granian --interface wsgi \
  --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" \
  --workers "${WEB_WORKERS:-$(nproc)}" --blocking-threads "${WEB_THREADS:-8}" \
  "$access_log" --log-level "${SERVER_LOG_LEVEL:-warning}" \
  mapapp.wsgi:application
