#!/usr/bin/env bash
# A project-local PostGIS cluster under var/, used when DATABASE_URL is not set.
# Usage: scripts/localdb.sh start|stop|status   (port: LOCAL_PG_PORT, default 54329)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=${LOCAL_PG_PORT:-54329}
state="$root/var"
# As root the cluster runs as the postgres user, who may not be able to reach a checkout under a
# private home folder; then the cluster lives in a folder of its own, named after the checkout.
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
  state="/var/tmp/osaka-map-$(printf '%s' "$root" | md5sum | cut -c1-12)"
fi
data="$state/pgdata"
run="$state/pgrun"
log="$state/postgres.log"
dbname=${LOCAL_PG_DB:-mapapp}
bindir="/usr/lib/postgresql/$(ls /usr/lib/postgresql | grep -E '^[0-9]+$' | sort -n | tail -n 1)/bin"

# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres system user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_local() { PGOPTIONS="-c client_min_messages=warning" "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

start() {
  mkdir -p "$state"
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data" "$run"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$data" "$run"
    chmod 700 "$data"
    as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  [ "$(id -u)" = 0 ] && touch "$log" && chown postgres:postgres "$log" "$run"
  if ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-p $port -k $run -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
  fi
  if [ "$(psql_local -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" != 1 ]; then
    psql_local -d postgres -c "CREATE DATABASE $dbname"
  fi
  # Extensions live in template1 as well, so the test database created from it has them.
  for db in template1 "$dbname"; do
    psql_local -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm;"
  done
  echo "Local PostGIS on 127.0.0.1:$port (database $dbname, data in $data)"
}

stop() {
  if [ -f "$data/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    echo "Local PostGIS stopped"
  else
    echo "Local PostGIS is not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) as_owner "$bindir/pg_ctl" -D "$data" status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
