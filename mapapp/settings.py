"""Settings, all from the environment, with safe defaults for development.

Production sets at least SECRET_KEY, DEBUG=false, ALLOWED_HOSTS and DATABASE_URL.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from mapapp.logs import logging_config as logs_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105 - used only with DEBUG on
SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    # The import queue: django-tasks (Django 6's Tasks, backported) with its PostgreSQL table backend.
    "django_tasks",
    "django_tasks_db",
    "layers",
    "importers",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mapapp.middleware.RejectUnknownMethods",
    "mapapp.middleware.RejectNulCharacters",
    # Before every middleware that reads or writes the body, so that compression comes last.
    "mapapp.middleware.CompressResponses",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mapapp.urls"
WSGI_APPLICATION = "mapapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# postgis://user:password@host:port/name; the default is the project-local cluster of `make demo`.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:54329/mapapp")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] != "django.contrib.gis.db.backends.postgis":
    DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
# PostGIS functions carry high planner costs, which push short queries (a tile, a search) over
# jit_above_cost; compiling then takes ~100 ms for work that runs in a few. JIT does not pay off here.
DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
# The tile SQL runs as a prepared statement per connection (layers/prepared.py); false behind a pooler
# that does not keep session state.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Japanese first: most users are residents and staff in Osaka; English is the second language.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# In development WhiteNoise serves straight from the apps' static folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Source maps are for developers' tools, never fetched by a resident's page: compressing them (4 MB for
# OpenLayers alone, brotli at its best) took most of collectstatic's minutes.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
if DEBUG:
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG else "mapapp.storage.StaticStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
    # Every error in the one JSON shape of layers/api/errors.py.
    "EXCEPTION_HANDLER": "layers.api.errors.drf_exception_handler",
}

# Base map: the tiles load from the internet in production; tests never fetch them.
BASEMAP_URL = os.environ.get("BASEMAP_URL", "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png")
BASEMAP_ATTRIBUTION = os.environ.get(
    "BASEMAP_ATTRIBUTION",
    '<a href="https://maps.gsi.go.jp/development/ichiran.html">国土地理院</a>',
)

# Import limits: explicit, so a hostile or accidental upload fails with a clear message.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
MAX_FEATURES_PER_IMPORT = env_int("MAX_FEATURES_PER_IMPORT", 200_000)
MAX_VERTICES_PER_FEATURE = env_int("MAX_VERTICES_PER_FEATURE", 500_000)
MAX_ZIP_ENTRIES = env_int("MAX_ZIP_ENTRIES", 200)
MAX_ZIP_EXPANDED_BYTES = env_int("MAX_ZIP_EXPANDED_BYTES", 1024 * 1024 * 1024)
MAX_ZIP_EXPANSION_RATIO = env_int("MAX_ZIP_EXPANSION_RATIO", 100)
# Per file and per value: the standard datasets have under 60 columns with short names; a 備考 is a
# paragraph, not a book. A file beyond these is refused (a value: its row), never cut short.
MAX_COLUMNS_PER_FILE = env_int("MAX_COLUMNS_PER_FILE", 500)
MAX_COLUMN_NAME_CHARS = env_int("MAX_COLUMN_NAME_CHARS", 200)
MAX_VALUE_CHARS = env_int("MAX_VALUE_CHARS", 10_000)
# Uploaded files are kept here (never under static or media URLs), named by their SHA-256.
UPLOAD_ROOT = Path(os.environ.get("UPLOAD_ROOT") or BASE_DIR / "var" / "uploads")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
# A feature further than this outside its municipality is an error; nearer, a warning.
MAX_METRES_OUTSIDE_MUNICIPALITY = env_int("MAX_METRES_OUTSIDE_MUNICIPALITY", 3000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Security: on by default when DEBUG is off; a TLS-terminating proxy sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", not DEBUG) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz is probed over plain HTTP by load balancers.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# GDAL 3.6 cannot block file and network access inside spatial references (gis.W001). Uploaded .prj
# text is parsed with pyproj, never handed to GDAL's SRS parser, and neither library may use the network.
os.environ.setdefault("PROJ_NETWORK", "OFF")
os.environ.setdefault("GDAL_HTTP_TIMEOUT", "1")
os.environ.setdefault("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", ".nothing-remote-is-allowed")
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Read APIs, tiles and caching (issue 6).
INSTALLED_APPS += ["corsheaders", "drf_spectacular", "drf_spectacular_sidecar"]
# CORS headers before anything that may answer early (CommonMiddleware, WhiteNoise).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "corsheaders.middleware.CorsMiddleware"
)
# Public read endpoints only; no credentials, so any origin may read them.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/(api|tiles|ogc)/.*$"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_EXPOSE_HEADERS = ["ETag", "Link", "Content-Disposition", "Data-Credit", "Content-Crs"]
CORS_PREFLIGHT_MAX_AGE = 86400

REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
SPECTACULAR_SETTINGS = {
    "TITLE": "大阪府 広域デジタルマップ API / Osaka wide-area map API",
    "DESCRIPTION": "Public, read-only layer catalogue and features. Tiles: /tiles/{slug}/{z}/{x}/{y}.pbf; "
    "OGC API - Features: /ogc/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from the sidecar package, served as our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Server-side cache: Redis when REDIS_URL is set (shared by all workers), process memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}
}
# Tiles: cached per layer version, so an entry can live long; 0 turns the server-side tile cache off.
TILE_CACHE_SECONDS = env_int("TILE_CACHE_SECONDS", 7 * 24 * 3600)
TILE_MAX_FEATURES = env_int("TILE_MAX_FEATURES", 100_000)  # features per tile, per layer
TILE_MAX_BYTES = env_int("TILE_MAX_BYTES", 8 * 1024 * 1024)  # above this, areas are redrawn on a coarser grid
TILE_MAX_ZOOM = env_int("TILE_MAX_ZOOM", 22)
# Browsers and proxies: unversioned URLs briefly, versioned tile URLs for a year (they never change).
API_CACHE_SECONDS = env_int("API_CACHE_SECONDS", 60)
# Features per page: the REST API rejects more; OGC API clamps to it (as Part 1 asks).
FEATURES_MAX_LIMIT = env_int("FEATURES_MAX_LIMIT", 10_000)
FEATURES_DEFAULT_LIMIT = env_int("FEATURES_DEFAULT_LIMIT", 1_000)
OGC_DEFAULT_LIMIT = env_int("OGC_DEFAULT_LIMIT", 100)

# Municipal systems update shelter status with a token (Authorization: Token …).
INSTALLED_APPS += ["rest_framework.authtoken"]

# Live shelter status: the map polls the feed this often; the feed (and answers that carry live status)
# may be cached this long, so a change reaches residents within the sum.
STATUS_POLL_SECONDS = env_int("STATUS_POLL_SECONDS", 5)
STATUS_FEED_MAX_AGE = env_int("STATUS_FEED_MAX_AGE", 5)
# Shared caches (nginx, a CDN) keep it this long (s-maxage): many residents share one copy, so a change
# waits in it at most this long, then at most one poll: 2 + 5 s, inside the 10 s residents are promised.
STATUS_FEED_SHARED_MAX_AGE = env_int("STATUS_FEED_SHARED_MAX_AGE", 2)

# Imports run in a background worker (`manage.py db_worker --queue-name imports`, scripts/worker.sh).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["imports"]}}
# A replace that would remove more than this share (percent) of a layer's features in a municipality
# needs a confirmation naming the number.
IMPORT_CONFIRM_REMOVAL_PERCENT = env_int("IMPORT_CONFIRM_REMOVAL_PERCENT", 20)
# The workspace warns when a layer of the municipality was last published longer ago than this.
IMPORT_STALE_AFTER_DAYS = env_int("IMPORT_STALE_AFTER_DAYS", 365)
# A running import whose worker has sent no heartbeat for this long (the worker beats every 10 s) has
# lost its worker; one that reported no progress for IMPORT_STUCK_SECONDS is stuck. Both end failed.
IMPORT_WORKER_LOST_SECONDS = env_int("IMPORT_WORKER_LOST_SECONDS", 60)
IMPORT_STUCK_SECONDS = env_int("IMPORT_STUCK_SECONDS", 30 * 60)
# The preview keeps this many new, changed and removed features of a run (the counts are always whole).
IMPORT_PREVIEW_MAX_FEATURES = env_int("IMPORT_PREVIEW_MAX_FEATURES", 20_000)

# The municipal and ward boundaries come from 国土数値情報 (N03); its terms ask for this credit.
BOUNDARIES_CREDIT = {
    "source": "国土交通省 国土数値情報 行政区域データ (N03) 2024年",
    "attribution": "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成",
    "processing": "大阪府内の市区町村・区ごとに統合し、表示用に簡略化",
    "licence": "国土数値情報利用約款",
    "licence_url": "https://nlftp.mlit.go.jp/ksj/other/agreement.html",
    "data_as_of": "2024-01-01",
}

# ---------------------------------------------------------------- security (issue 21)

# Content-Security-Policy on every response (django-csp): no inline script anywhere, assets from here,
# base-map tiles from BASEMAP_URL's host. Framing is refused except for the embeddable map (/embed/),
# whose frame-ancestors come from EMBED_FRAME_ANCESTORS; only HTML carries it (mapapp.middleware.PolicyScope).
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1, "mapapp.middleware.PolicyScope")
_BASEMAP_ORIGIN = "/".join(BASEMAP_URL.split("/")[:3]) if "://" in BASEMAP_URL else ""
EMBED_FRAME_ANCESTORS = env_list("EMBED_FRAME_ANCESTORS", ["*"])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Style attributes only (Leaflet and the map set positions and colours); no <style> elements.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *([_BASEMAP_ORIGIN] if _BASEMAP_ORIGIN else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling and lockout (django-axes) on every login form: after AXES_FAILURE_LIMIT failures
# for one user name from one address, that pair is locked out for AXES_COOLOFF_MINUTES.
INSTALLED_APPS += ["axes"]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Staff sessions end: after SESSION_COOKIE_AGE of inactivity, and with the browser.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Methods this site answers; anything else (TRACE, CONNECT, …) is a 405 before any view runs.
ALLOWED_HTTP_METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")

# ---------------------------------------------------------------- load and faults (issue 21)

# A connection that died with a restarted database is noticed and replaced at the next request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Optional ceiling on every statement of this process (ms; 0: none). The status feed has its own.
if env_int("DB_STATEMENT_TIMEOUT_MS", 0):
    DATABASES["default"]["OPTIONS"]["options"] += f" -c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 0)}"
# Redis is a cache: when it is slow or gone, requests must not wait on it. Short socket timeouts, and
# mapapp.cache treats a failure as a miss and leaves Redis alone for CACHE_RETRY_SECONDS.
if REDIS_URL:
    CACHES["default"]["BACKEND"] = "mapapp.cache.TolerantRedisCache"
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 5)
# The status feed's query may take this long (ms) before the last good feed is served instead, marked stale.
STATUS_FEED_DB_TIMEOUT_MS = env_int("STATUS_FEED_DB_TIMEOUT_MS", 2000)
# A database that cannot answer is a 503 with Retry-After, not a 500 (mapapp.middleware.DatabaseUnavailable).
MIDDLEWARE.append("mapapp.middleware.DatabaseUnavailable")

# ---------------------------------------------------------------- operations and growth (issue 21)
# docs/operations.md: metrics, logs, read replicas.

# Prometheus metrics at /metrics (mapapp/metrics.py) for operators only: a bearer token equal to
# METRICS_TOKEN, or a direct connection (not through a proxy) from METRICS_ALLOWED_IPS (addresses or
# networks, none by default). scripts/serve.sh sets PROMETHEUS_MULTIPROC_DIR for granian's processes.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", [])
# Outermost, so a request's time includes every middleware (mapapp/telemetry.py).
MIDDLEWARE.insert(0, "mapapp.telemetry.RequestTelemetry")

# LOG_FORMAT=json: one JSON object per line (mapapp/logs.py); REQUEST_LOG: one line per request with its
# id, method, route, status and duration (on with JSON logs; granian's access log covers plain text).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
REQUEST_LOG = env_bool("REQUEST_LOG", LOG_FORMAT == "json")
LOGGING = logs_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))

# PostgreSQL streaming replicas (mapapp/routers.py): DATABASE_REPLICA_URLS, comma-separated. Residents'
# reads go to a replica; writes, staff pages and a client that has just written read from the primary.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", env_list("DATABASE_REPLICA_URL", []))
DATABASE_REPLICAS = []
for _number, _url in enumerate(DATABASE_REPLICA_URLS, 1):
    _replica = dj_database_url.parse(_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    _replica["ENGINE"] = DATABASES["default"]["ENGINE"]
    _replica["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], **_replica.get("OPTIONS", {})}
    _replica["CONN_HEALTH_CHECKS"] = DATABASES["default"].get("CONN_HEALTH_CHECKS", False)
    # Under test a replica is the test database itself, through a connection of its own.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica{_number}")
DATABASE_ROUTERS = ["mapapp.routers.PrimaryReplicaRouter"] if DATABASE_REPLICAS else []
MIDDLEWARE.insert(1, "mapapp.routers.ReadYourWrites")
# Pages whose reads always go to the primary: staff, admin, login, imports, a layer's rollback and one
# shelter's status (the version a municipal system's next update names in If-Match).
DATABASE_PRIMARY_PATHS = [
    r"^/(staff|admin|accounts)/",
    r"^/api/imports/",
    r"^/api/layers/[^/]+/rollback/",
    r"^/api/shelters/[^/]+/status/$",
]
# After a write the client reads from the primary this long (a cookie): longer than replication lag.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15)
