#!/usr/bin/env bash
# A backup of the database at DATABASE_URL: pg_dump's custom format (compressed; pg_restore can restore
# it table by table and in parallel) into BACKUP_DIR (var/backups) as NAME-YYYYMMDDTHHMMSSZ.dump, UTC.
# Prints the file's path. BACKUP_KEEP=N removes all but the newest N dumps of that database afterwards.
# pg_dump takes one consistent snapshot without blocking readers or writers; its major version must be
# at least the server's. Check a dump with scripts/restore-check.sh (docs/operations.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
url=${DATABASE_URL:-postgis://postgres@127.0.0.1:54329/mapapp}
url="postgresql:${url#*:}"  # libpq knows postgresql://, Django's URL says postgis://
dir=${BACKUP_DIR:-var/backups}
name=${url%%\?*}
name=${name##*/}
mkdir -p "$dir"
out="$dir/$name-$(date -u +%Y%m%dT%H%M%SZ).dump"
# Written under a temporary name: a dump cut short (disk full, killed) is never taken for a backup.
trap 'rm -f "$out.partial"' EXIT
pg_dump --format=custom --compress=6 --file="$out.partial" --dbname="$url"
mv "$out.partial" "$out"
if [ "${BACKUP_KEEP:-0}" -gt 0 ]; then
  ls -1t "$dir/$name"-*.dump | tail -n +"$((BACKUP_KEEP + 1))" | xargs -r rm -f --
fi
echo "$out"
