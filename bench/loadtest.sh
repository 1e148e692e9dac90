#!/usr/bin/env bash
# `make loadtest`: the disaster-day spike against the production topology on this machine, about 5 minutes.
# Its own database (LOAD_DATABASE_URL, default: DATABASE_URL's server, database "loadtest") loaded with
# the demo data, its own Redis database (LOAD_REDIS_URL, default redis://127.0.0.1:6379/14, flushed
# first; none if no Redis answers), scripts/serve.sh with production settings on LOAD_APP_PORT (8073) and
# an import worker, behind nginx with deploy/nginx.conf (rendered for loopback by scripts/nginx-local.py,
# HTTPS on LOAD_PORT, 8072, plain HTTP on 8074; its cache starts empty); then locust (bench/locustfile.py)
# in a second process on loopback, and the check (bench/load_check.py), which writes LOAD_OUT/LOAD.md
# (default var/loadtest/) and fails if a goal is missed.
# LOAD_RESIDENTS (500), LOAD_RAMP_SECONDS (90), LOAD_HOLD_SECONDS (150) shape the spike; LOAD_PROXY=none
# sends locust straight to the app server on LOAD_PORT, as the first run did (bench/LOAD.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
py=.venv/bin/python
out=${LOAD_OUT:-var/loadtest}
port=${LOAD_PORT:-8072}
proxy=${LOAD_PROXY:-nginx}
if [ "$proxy" = nginx ]; then
  app_port=${LOAD_APP_PORT:-$((port + 1))}
  # Debian puts nginx in /usr/sbin, which is not on every user's PATH.
  nginx=$(command -v nginx || command -v /usr/sbin/nginx || true)
  if [ -z "$nginx" ]; then
    echo "nginx is missing: run 'bash scripts/install-system-packages.sh --with-nginx' (make loadtest does)," \
      "or LOAD_PROXY=none to load the app server alone" >&2
    exit 1
  fi
else
  app_port=$port
fi
base_url=${DATABASE_URL:-postgis://postgres@127.0.0.1:54329/mapapp}
export DATABASE_URL=${LOAD_DATABASE_URL:-${base_url%/*}/loadtest}
mkdir -p "$out"
rm -f "$out"/results.json "$out"/locust_*.csv "$out"/loadavg.txt

# Production settings, as scripts/demo-serve.sh and bench/serve.sh use them, over plain HTTP on loopback.
export DEBUG=false SECRET_KEY=loadtest-only-not-secret ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=false BEHIND_TLS_PROXY=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0
# Behind nginx the app trusts its X-Forwarded-Proto, as in production (nginx redirects plain HTTP itself).
[ "$proxy" = nginx ] && export BEHIND_TLS_PROXY=true SECURE_COOKIES=true
export STATIC_ROOT="$PWD/$out/static" UPLOAD_ROOT="$PWD/$out/uploads" LOG_LEVEL=WARNING DB_CONN_MAX_AGE=600
redis_url=${LOAD_REDIS_URL:-redis://127.0.0.1:6379/14}
if $py -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=1).flushdb()" "$redis_url" 2>/dev/null; then
  export REDIS_URL=$redis_url
else
  echo "No Redis at $redis_url: the tile cache is per process" >&2
fi

db_name=${DATABASE_URL##*/}
admin_url=$(printf '%s' "${DATABASE_URL%/*}/postgres" | sed 's|^postgis://|postgresql://|')
if [ "$(psql "$admin_url" -qAtc "SELECT 1 FROM pg_database WHERE datname = '$db_name'")" != 1 ]; then
  psql "$admin_url" -qc "CREATE DATABASE \"$db_name\""
fi
psql "$(printf '%s' "$DATABASE_URL" | sed 's|^postgis://|postgresql://|')" -qc \
  "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm;"
$py manage.py migrate --noinput -v0
$py manage.py load_demo >"$out/load_demo.log"
$py manage.py collectstatic --noinput -v0
$py bench/load_setup.py "$out/targets.json"

# Each in its own process group, so that stopping it stops its children too.
groups=()
trap 'for g in "${groups[@]}"; do kill -- "-$g" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT INT TERM
HOST=127.0.0.1 PORT=$app_port ACCESS_LOG=false setsid bash scripts/serve.sh >"$out/server.log" 2>&1 &
groups+=($!)
setsid bash scripts/worker.sh >"$out/worker.log" 2>&1 &
groups+=($!)
url="http://127.0.0.1:$app_port"
if [ "$proxy" = nginx ]; then
  rm -rf "$out/nginx/cache"
  conf=$($py scripts/nginx-local.py "$out/nginx" --upstream "$app_port" --https "$port" --http "$((port + 2))")
  "$nginx" -t -q -c "$conf"
  setsid "$nginx" -c "$conf" -g "daemon off;" >"$out/nginx.log" 2>&1 &
  groups+=($!)
  url="https://127.0.0.1:$port"
fi
for _ in $(seq 60); do
  curl -kfs "$url/healthz" >/dev/null && break
  sleep 0.5
done
curl -kfs "$url/healthz" >/dev/null || { echo "the server did not start: $(tail -20 "$out/server.log")" >&2; exit 1; }
# The machine's load during the run (other sessions' work shares the cores): one line every 10 s.
setsid bash -c "while sleep 10; do cat /proc/loadavg; done" >"$out/loadavg.txt" 2>/dev/null &
groups+=($!)

echo "Spike: ${LOAD_RESIDENTS:-500} residents over ${LOAD_RAMP_SECONDS:-90} s, held ${LOAD_HOLD_SECONDS:-150} s, against $url"
# Locust's exit code says only that some request failed; the check below decides.
LOAD_TARGETS="$out/targets.json" LOAD_OUT="$out" .venv/bin/locust -f bench/locustfile.py --headless \
  --host "$url" --csv "$out/locust" --only-summary --loglevel WARNING --stop-timeout 20 \
  >"$out/locust.log" 2>&1 || true
topology="locust → nginx (deploy/nginx.conf, HTTPS, 1 worker process) → scripts/serve.sh (granian)"
[ "$proxy" = nginx ] || topology="locust → scripts/serve.sh (granian), no proxy"
$py bench/load_check.py --url "$url" --out "$out" --topology "$topology"
