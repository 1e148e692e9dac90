#!/usr/bin/env bash
# The bench harness's --target-cmd: migrate the bench database, import $BENCH_DATA_DIR through our
# importer, then serve with scripts/serve.sh (granian) on 127.0.0.1:8000. Environment from the harness: DATABASE_URL,
# BENCH_DATA_DIR. BENCH_TILE_CACHE=off serves every tile uncached (TILE_CACHE_SECONDS=0).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBUG=false SECRET_KEY=bench-only-not-secret ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=false BEHIND_TLS_PROXY=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0
export LOG_LEVEL=WARNING DB_CONN_MAX_AGE=600
# The synthetic points spill over the prefecture's border: keep them (as warnings), like the floor does.
export MAX_METRES_OUTSIDE_MUNICIPALITY=100000000
if [ "${BENCH_TILE_CACHE:-on}" = off ]; then
  export TILE_CACHE_SECONDS=0
else
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"
  .venv/bin/python -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
fi
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python bench/load_data.py
.venv/bin/python manage.py shell -c "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE layers_feature')"
HOST=127.0.0.1 PORT=8000 ACCESS_LOG=false exec bash scripts/serve.sh
