# The map service for people with Docker: `docker compose up` (see README.md).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 libproj25 gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN bash scripts/vendor-static.sh && bash scripts/bundle.sh \
    && DEBUG=true python manage.py compilemessages -v0 --ignore=node_modules \
    && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v0

EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && if [ \"$LOAD_DEMO\" = 1 ]; then python manage.py load_demo; fi && HOST=0.0.0.0 PORT=8000 exec bash scripts/serve.sh"]
