#!/usr/bin/env bash
# Bundles the map's ES modules (frontend/static/frontend/js/, entry main.js) into one minified file,
# frontend/static/build/map.js: a phone on HTTP/1.1 fetches one script instead of seventeen, six at a
# time. The map page uses the bundle only while it is newer than every module (frontend.bundle), so an
# edited module is served as itself until this runs again (`make bundle`, part of `make setup`/`test`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/node_modules/.bin/esbuild" "$root/frontend/static/frontend/js/main.js" \
  --bundle --format=esm --minify --target=es2022 --sourcemap --legal-comments=none \
  --outfile="$root/frontend/static/build/map.js" --log-level=warning
