"""Settings, from the environment only. See README.md for every variable."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "insecure-dev-key-set-SECRET_KEY-in-production"
    if DEBUG or "DATABASE_URL" not in os.environ
    else None
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DATABASE_URL is set and DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "channels",
    "axes",
    "oms",
    "topology",
    "meters",
    "outages",
    "ingest",
]

MIDDLEWARE = [
    # Database down or saturated: 503 + Retry-After from every view, never a 500.
    "oms.middleware.DatabaseUnavailableMiddleware",
    "oms.nul.NulCharacterMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: answers a locked-out login (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oms.urls"
ASGI_APPLICATION = "oms.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# --- Database: DATABASE_URL, or the embedded PostgreSQL under OMS_DATA_DIR -------------------
DB_POOL_MAX = env_int("DB_POOL_MAX", 20)
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)}
else:
    from oms.embedded import DATABASE_NAME, socket_dir

    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DATABASE_NAME,
            "USER": "postgres",
            "HOST": socket_dir(),
            "CONN_MAX_AGE": 0,
        }
    }
# Under ASGI, persistent connections exhaust PostgreSQL; a bounded pool does not.
if DB_POOL_MAX > 0:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_MAX,
        # How long a request waits for a connection (while the database is down, too) before
        # it is answered 503.
        "timeout": env_int("DB_POOL_TIMEOUT_S", 10),
    }
    # The pool tests a connection before handing it out: after a database restart its dead
    # connections are replaced instead of failing one request each.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Lets several test runs share one server without dropping each other's test database.
if os.environ.get("OMS_TEST_DB"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["OMS_TEST_DB"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer: Redis when REDIS_URL is set, else in-memory (one process) ----------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": env_int("REDIS_POOL_MAX", 50)}],
                # Pub/sub ignores Redis database numbers: deployments sharing a Redis need this.
                "prefix": os.environ.get("REDIS_PREFIX", "asgi"),
            },
        }
    }
else:
    # Channels' in-memory layer, minus its O(screens²) cost per push (see oms/channel_layers.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "oms.channel_layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static-collected"))
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"

# --- Security (README "Security") -------------------------------------------------------------
# Login throttling for admin and operator logins: after LOGIN_FAILURE_LIMIT failures for one
# username from one address, that pair is locked out for LOGIN_LOCKOUT_MINUTES (django-axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The admin lists failed logins (django-axes registers the page; without this it stays empty).
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# One policy for every page: only this site's own files run, no inline script or style.
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if os.environ.get("CSP_REPORT_URI"):
    _CSP["DIRECTIVES"]["report-uri"] = [os.environ["CSP_REPORT_URI"]]
if env_bool("CSP_REPORT_ONLY"):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# Production behind TLS: HTTPS=on redirects plain HTTP (probes exempt), sends HSTS and marks
# the session and CSRF cookies secure. Behind a proxy that terminates TLS, name its header.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):  # e.g. X-Forwarded-Proto
    _proxy_header = "HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")
X_FRAME_OPTIONS = "DENY"

# Bodies over these are refused before they are read (oms/admission.py): the API's, the rest
# (admin's CSV imports).
INGEST_MAX_BODY_BYTES = env_int("INGEST_MAX_BODY_BYTES", 5 * 1024 * 1024)
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 64 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = INGEST_MAX_BODY_BYTES

# How often every open websocket's token or session is checked again (closed 4401 when gone).
WS_CREDENTIAL_CHECK_S = float(os.environ.get("WS_CREDENTIAL_CHECK_S", 5))

# Clients allowed to read /metrics (oms/metrics.py), as networks.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")

# A 503 while the database is away asks clients to retry after this many seconds.
DATABASE_UNAVAILABLE_RETRY_AFTER = env_int("DATABASE_UNAVAILABLE_RETRY_AFTER", 5)

# The outage relay (outages/relay.py) runs in every server process unless OMS_RELAY=off; changes
# that follow a push within the window go together; a heartbeat repeats the seq when idle.
OMS_RELAY = env_bool("OMS_RELAY", True)
OMS_PUSH_WINDOW_S = float(os.environ.get("OMS_PUSH_WINDOW_MS", 50)) / 1000
OMS_PUSH_HEARTBEAT_S = float(os.environ.get("OMS_PUSH_HEARTBEAT_S", 5))
# Every server process with a relay also runs outages_sweep() this often (the single-meter
# wait's clock, outages/sweep.py); 0 turns it off (then run `manage.py oms_sweep --every S`).
OMS_SWEEP_S = float(os.environ.get("OMS_SWEEP_S", 5))
# A stopping server (SIGTERM, Ctrl-C) answers its requests in flight for up to this many
# seconds before it cancels them (oms/draining.py); new ones meanwhile get 503 server_stopping.
OMS_SHUTDOWN_DRAIN_S = float(os.environ.get("OMS_SHUTDOWN_DRAIN_S", 30))
# Daphne serves /static/ itself unless a proxy in front does (OMS_SERVE_STATIC=off).
OMS_SERVE_STATIC = env_bool("OMS_SERVE_STATIC", True)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oms.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["oms.tokens.HasScope"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "oms.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"ingest": os.environ.get("INGEST_THROTTLE_RATE", "100000/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Outage Management Service API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "oms.schema.document_client_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProcessingStatusEnum": "ingest.models.ProcessingStatus",
        "ProviderNameEnum": "ingest.models.ProviderName",
        "PowerStatusEnum": "meters.models.PowerStatus",
        "OutageStatusEnum": "outages.models.OutageStatus",
        "DeviceStatusEnum": "topology.models.DeviceStatus",
        "SwitchStateEnum": "topology.models.SwitchState",
    },
}

# OMS_LOG_FORMAT=json: one JSON object per line (time, level, logger, message, extras).
LOG_FORMAT = os.environ.get("OMS_LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
