#!/usr/bin/env bash
# `make demo`'s server: the service as production runs it (DEBUG off, granian via scripts/serve.sh), so the
# demo's static files are hashed, precompressed (gzip and Brotli by WhiteNoise) and cached for a year, as
# a resident's phone would get them. Plain HTTP on this machine only; the secret key is made once in var/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p var
[ -s var/demo-secret-key ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/demo-secret-key
export DEBUG=false SECRET_KEY="$(cat var/demo-secret-key)" ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SECURE_SSL_REDIRECT=false BEHIND_TLS_PROXY=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0
export STATIC_ROOT="${STATIC_ROOT:-$PWD/var/static}"
.venv/bin/python manage.py collectstatic --noinput -v0
echo "Serving the demo at http://${HOST:-127.0.0.1}:${PORT:-8000}/ (production settings; \`make serve\` for Django's development server)"
exec bash scripts/serve.sh
