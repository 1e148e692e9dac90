#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the project needs, only those that are missing.
# Usage: scripts/install-system-packages.sh [--with-browser | --with-nginx]
set -euo pipefail

with_browser=false
with_nginx=false
[ "${1:-}" = "--with-browser" ] && with_browser=true && with_nginx=true
# `make loadtest` runs deploy/nginx.conf in front of the server too, without needing the browser.
[ "${1:-}" = "--with-nginx" ] && with_nginx=true

# PostGIS must match the PostgreSQL major version that is installed (or that apt would install).
pg_major() {
  if [ -d /usr/lib/postgresql ] && ls /usr/lib/postgresql | grep -qE '^[0-9]+$'; then
    ls /usr/lib/postgresql | grep -E '^[0-9]+$' | sort -n | tail -n 1
  fi
}

wanted=(gdal-bin libgdal-dev gettext python3-venv nodejs npm)
major=$(pg_major)
if [ -z "$major" ]; then
  wanted+=(postgresql postgresql-contrib)
fi
# Chromium ships no Japanese fonts: without them, screenshots show empty boxes.
$with_browser && wanted+=(chromium chromium-driver fonts-noto-cjk)
# The tests run deploy/nginx.conf in front of the server (nginx-light: ~1 MB, no extra modules needed).
$with_nginx && wanted+=(nginx-light)

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${wanted[@]}"; do
  # The machine's own Node.js may not come from Debian; any working node and npm will do.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
    python3-venv) python3 -c 'import ensurepip, venv' 2>/dev/null && continue ;;
  esac
  is_installed "$p" || missing+=("$p")
done

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi

apt_install() {
  echo "Installing system packages: $*"
  # Never let the PostgreSQL packages create and start a default cluster: the project runs its own.
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    $sudo mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi

major=$(pg_major)
postgis="postgresql-${major}-postgis-3"
if ! is_installed "$postgis"; then
  apt_install "$postgis"
fi
