"""XBank settings: one file, read from the environment through helpers that fail loudly.

XBANK_ENV chooses the profile:
- ``dev`` (default): SQLite, demo keys that are UNSAFE FOR PRODUCTION; DEBUG on unless
  ``XBANK_DEBUG=0`` (``make demo`` and ``make serve`` set it off; ``make serve DEBUG=1``).
- ``production``: every secret must come from the environment; HTTPS hardening on.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from xbank.core.keys import DEMO_LEDGER_KEY, DEMO_PII_KEY, ledger_key_problem, pii_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {raw!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


XBANK_ENV = env_str("XBANK_ENV", "dev")
if XBANK_ENV not in {"dev", "production"}:
    raise ImproperlyConfigured("XBANK_ENV must be 'dev' or 'production'")
PRODUCTION = XBANK_ENV == "production"

# UNSAFE demo defaults: they exist so that `make demo` runs with no set-up. Production refuses them.
_UNSAFE_SECRET_KEY = "unsafe-demo-secret-key-do-not-use-in-production-3f9a1c7e5b2d4086"
_UNSAFE_PII_KEY = DEMO_PII_KEY
_UNSAFE_LEDGER_KEY = DEMO_LEDGER_KEY

SECRET_KEY = env_str("DJANGO_SECRET_KEY", None if PRODUCTION else _UNSAFE_SECRET_KEY)
# Master key for personal data (resident ID numbers, phones): base64 of 32 random bytes.
# Encryption and lookup-hash subkeys are derived from it (see xbank.core.pii).
XBANK_PII_KEY = env_str("XBANK_PII_KEY", None if PRODUCTION else _UNSAFE_PII_KEY)
# Master key of the ledger (学分流水): base64 of 32 random bytes, kept out of the database. The
# chain's HMAC key and the checkpoints' Ed25519 signing key are derived from it
# (xbank.creditbank.models.ledger); whoever holds it can rewrite a chain so that it verifies.
XBANK_LEDGER_KEY = env_str("XBANK_LEDGER_KEY", None if PRODUCTION else _UNSAFE_LEDGER_KEY)
if PRODUCTION and (
    SECRET_KEY == _UNSAFE_SECRET_KEY
    or XBANK_PII_KEY == _UNSAFE_PII_KEY
    or XBANK_LEDGER_KEY == _UNSAFE_LEDGER_KEY
):
    raise ImproperlyConfigured("Production must not run with the demo keys")
# A weak key is refused at start, not at the first ID number written under it.
_key_problem = pii_key_problem(XBANK_PII_KEY) or ledger_key_problem(XBANK_LEDGER_KEY)
if _key_problem:
    raise ImproperlyConfigured(_key_problem)

DEBUG = env_bool("XBANK_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_ratelimit",
    "xbank.core",
    "xbank.audit",
    "xbank.accounts",
    "xbank.orgs",
    "xbank.catalog",
    "xbank.learners",
    "xbank.imports",
    "xbank.verify",
    "xbank.training",
    "xbank.assessment",
    "xbank.creditbank",
    "xbank.faculty",
    "xbank.pilot",
    "xbank.reports",
    "xbank.demo",  # last: composes the apps above (demo data and seed_demo)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "xbank.core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "xbank.urls"
WSGI_APPLICATION = "xbank.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xbank" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "xbank.accounts.context_processors.roles",
                "xbank.imports.context_processors.imports",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR = Path(env_str("XBANK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Signed checkpoints of the ledger's chain heads (xbank.creditbank.ledger): files outside the
# database, which an operator also copies off the machine (docs/operations.md).
LEDGER_CHECKPOINT_DIR = Path(
    env_str("XBANK_LEDGER_CHECKPOINT_DIR", str(VAR_DIR / "ledger-checkpoints"))
)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'xbank.sqlite3'}"),
        conn_max_age=int(env_str("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while the importer writes; IMMEDIATE avoids "database is locked"
    # upgrades from read to write locks inside transactions.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:workbench"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "xbank.accounts.hashers.XBankArgon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Throttle: 5 failures for one username from one address locks that pair for 15 minutes.
AXES_FAILURE_LIMIT = int(env_str("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# And across usernames: this many failures from one address within the same 15 minutes refuse
# that address's next attempts, whichever account they name (xbank.accounts.throttle). The
# lockout page is a 429 with Retry-After.
XBANK_LOGIN_ADDRESS_FAILURE_LIMIT = int(env_str("XBANK_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
AXES_HANDLER = "xbank.accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "xbank.accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Number of reverse proxies in front of XBank (nginx: 1); the client address is then read from
# X-Forwarded-For (xbank.core.net), so login throttling sees the real client.
XBANK_TRUSTED_PROXIES = int(env_str("XBANK_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "xbank.core.net.client_ip"

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "xbank" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on a missing directory before collectstatic
STATICFILES_DIRS = [BASE_DIR / "xbank" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production (``make demo`` runs with DEBUG off, so that users see the friendly error
# pages) WhiteNoise serves the static files straight from the apps, without collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
# Uploads up to the 50 MB import limit stay in memory: above this size Django spools them to a
# temporary file, which for a roster would put ID numbers on disk in clear (invariant 11) for the
# length of the request. The import service encrypts from memory in 1 MiB chunks (one copy).
FILE_UPLOAD_MAX_MEMORY_SIZE = 51 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# --- Background tasks ---------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("XBANK_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Import files larger than this run in the background with a progress bar; smaller ones inline.
XBANK_IMPORT_INLINE_MAX_BYTES = int(env_str("XBANK_IMPORT_INLINE_MAX_BYTES", str(200 * 1024)))
# Uploaded import files (encrypted, see xbank.core.filecrypt) are deleted when their batch ends,
# and after this many days whatever its state (`manage.py purge_imports`, run daily).
XBANK_IMPORT_RETENTION_DAYS = int(env_str("XBANK_IMPORT_RETENTION_DAYS", "7"))
if XBANK_IMPORT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("XBANK_IMPORT_RETENTION_DAYS must be at least 1")
# A commit whose process has not renewed its lease for this many seconds is taken for dead
# (killed, machine down) and marked 导入中断 by `manage.py recover_imports` (and by the task
# `manage.py serve` enqueues every XBANK_IMPORT_LEASE_SECONDS). Its process renews the lease
# every few seconds, and holds the batch's row locked while it writes.
XBANK_IMPORT_LEASE_SECONDS = int(env_str("XBANK_IMPORT_LEASE_SECONDS", "120"))
if XBANK_IMPORT_LEASE_SECONDS < 10:
    raise ImproperlyConfigured("XBANK_IMPORT_LEASE_SECONDS must be at least 10")

# --- Full-ID exports ----------------------------------------------------------------------------
# An export of learners with full document numbers (完整证件号导出) is POST-only, needs a reason,
# and is limited per user and (local) day. With approval on, a second person with a role that may
# see full numbers approves each request first; on by default in production, off in the demo so
# that one login can try the whole flow.
XBANK_FULL_EXPORT_APPROVAL = env_bool("XBANK_FULL_EXPORT_APPROVAL", PRODUCTION)
XBANK_FULL_EXPORT_DAILY_LIMIT = int(env_str("XBANK_FULL_EXPORT_DAILY_LIMIT", "3"))
# Hours a request waits for approval, and an approved export waits for its one download.
XBANK_FULL_EXPORT_WINDOW_HOURS = int(env_str("XBANK_FULL_EXPORT_WINDOW_HOURS", "24"))

# --- Caches and rate limits ----------------------------------------------------------------------
# The demo: a per-process memory cache. Production: REDIS_URL (required, xbank.E003), so that the
# rate limits of the verification and registration pages hold across web processes and machines.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
RATELIMIT_VIEW = "xbank.verify.views.ratelimited"
# Absolute base of public URLs printed in QR codes when no request is at hand (background PDFs).
XBANK_PUBLIC_BASE_URL = env_str("XBANK_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a deliberate opt-in of the operator (SECURE_HSTS_PRELOAD).
    "security.W021",
    # django-ratelimit lists django-redis, not Django's own RedisCache, as "officially
    # supported"; Django's RedisCache counts with Redis' atomic INCRBY all the same (and the
    # two-worker test in verify/tests shows the limit holding across processes).
    "django_ratelimit.W001",
]
if not PRODUCTION:
    # django-ratelimit wants a shared cache. The demo's one process counts in its memory cache;
    # production refuses to start without REDIS_URL (xbank.E003, xbank/core/checks.py).
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003"]

# Every handler masks ID-shaped and mobile-shaped numbers (xbank.core.logging): URLs in the
# access log and values in messages may hold them. "django" and "django.server" (runserver's
# access log) are configured here so that Django's default handlers, which lack the filter, go.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "xbank.core.logging.MaskPIIFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_pii"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_pii"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},  # to the root console, masked
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
