#!/usr/bin/env bash
# Copies the front-end libraries installed by npm into frontend/static/vendor/, served as static files.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/frontend/static/vendor"
rm -rf "$dest/leaflet"
mkdir -p "$dest/leaflet"
cp -r "$root/node_modules/leaflet/dist/leaflet.js" "$root/node_modules/leaflet/dist/leaflet.js.map" "$root/node_modules/leaflet/dist/leaflet.css" \
  "$root/node_modules/leaflet/dist/images" "$dest/leaflet/"
cp "$root/node_modules/leaflet/LICENSE" "$dest/leaflet/LICENSE"

# OpenLayers for the admin's map widgets (Django's default loads it from a CDN).
rm -rf "$dest/ol"
mkdir -p "$dest/ol"
cp "$root/node_modules/ol/dist/ol.js" "$root/node_modules/ol/dist/ol.js.map" "$root/node_modules/ol/ol.css" "$dest/ol/"
cp "$root/node_modules/ol/LICENSE.md" "$dest/ol/LICENSE.md"
