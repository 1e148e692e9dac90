#!/usr/bin/env bash
# `make bench`: the shared floor/tipg harness with our service as the target, twice: tiles uncached
# (TILE_CACHE_SECONDS=0) and with the Redis tile cache. Extra arguments go to the harness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
harness="${BENCH_HARNESS:-../shared/bench/run.sh}"
base="http://127.0.0.1:8000"
for mode in ${BENCH_MODES:-off on}; do
  echo "== tile cache: $mode" >&2
  bash "$harness" \
    --target-cmd "BENCH_TILE_CACHE=$mode bash bench/serve.sh" \
    --target-tiles "$base/tiles/{layer}/{z}/{x}/{y}.pbf" \
    --target-geojson "$base/api/layers/{layer}/features/?bbox={bbox}&limit=10000" \
    "$@" | tee "var/bench-cache-$mode.txt"
done
