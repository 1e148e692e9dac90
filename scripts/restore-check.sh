#!/usr/bin/env bash
# Proves a backup restores: restores DUMP into a fresh database on the same server as DATABASE_URL,
# then compares it with DATABASE_URL (the database the dump was taken from): the rows of every table,
# each layer's version and latest published version (Layer.version, importers' PublishedVersion) and
# each layer's features and vertices. Exits 1 and prints the differences when any differ; the fresh
# database is dropped afterwards (RESTORE_CHECK_KEEP=1 keeps it).
# Usage: scripts/restore-check.sh DUMP. Compare soon after the dump: live traffic (status updates,
# sessions, imports) changes the source, and the check reports that as a difference too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dump=${1:?usage: scripts/restore-check.sh DUMP}
[ -r "$dump" ] || { echo "restore-check: cannot read $dump" >&2; exit 2; }
source_url=${DATABASE_URL:-postgis://postgres@127.0.0.1:54329/mapapp}
source_url="postgresql:${source_url#*:}"
base=${source_url%%\?*}
query=${source_url#"$base"}
server=${base%/*}
scratch="restore_check_$(date -u +%Y%m%d%H%M%S)_$$"
scratch_url="$server/$scratch$query"
admin_url="$server/postgres$query"

psql_at() { psql -X -q -At -v ON_ERROR_STOP=1 --dbname="$1" "${@:2}"; }

cleanup() {
  if [ "${RESTORE_CHECK_KEEP:-0}" = 1 ]; then
    echo "restore-check: kept the restored copy as $scratch" >&2
  else
    psql_at "$admin_url" -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null || true
  fi
  rm -f "${source_summary:-}" "${restored_summary:-}"
}
trap cleanup EXIT

# What must survive a backup, one line per fact, in a stable order.
summarise() {
  psql_at "$1" <<'SQL'
SELECT format('rows %I.%I %s', table_schema, table_name,
              (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name),
                                                   false, true, '')))[1]::text)
  FROM information_schema.tables
 WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
 ORDER BY table_schema, table_name;
SELECT format('layer %s version %s', slug, version) FROM layers_layer ORDER BY slug;
SELECT format('layer %s published %s', l.slug, max(p.version))
  FROM importers_publishedversion p JOIN layers_layer l ON l.id = p.layer_id GROUP BY l.slug ORDER BY l.slug;
SELECT format('layer %s features %s vertices %s', l.slug, count(f.id), coalesce(sum(ST_NPoints(f.geom)), 0))
  FROM layers_layer l LEFT JOIN layers_feature f ON f.layer_id = l.id GROUP BY l.slug ORDER BY l.slug;
SQL
}

psql_at "$admin_url" -c "CREATE DATABASE \"$scratch\"" >/dev/null
# --no-owner: the fresh database belongs to whoever restores; the roles of the source need not exist.
if ! pg_restore --exit-on-error --no-owner --no-privileges --jobs="${RESTORE_JOBS:-2}" --dbname="$scratch_url" "$dump"; then
  echo "restore-check: FAILED: pg_restore could not restore $dump" >&2
  exit 1
fi

source_summary=$(mktemp)
restored_summary=$(mktemp)
summarise "$source_url" >"$source_summary"
summarise "$scratch_url" >"$restored_summary"
if ! diff -u --label "source" --label "restored from $(basename "$dump")" "$source_summary" "$restored_summary"; then
  echo "restore-check: FAILED: the restored copy differs from the source (lines above)" >&2
  exit 1
fi
tables=$(grep -c '^rows ' "$restored_summary")
rows=$(awk '/^rows /{n += $3} END {print n + 0}' "$restored_summary")
layers=$(grep -c ' version ' "$restored_summary" || true)
echo "restore-check: OK: $tables tables, $rows rows and $layers layer versions match the source"
