"""Project settings: one module, driven by environment variables.

Every variable is listed in `.env.example` and in the README's configuration table. The helpers
below fail loudly with ImproperlyConfigured rather than guessing, so a typo in production stops
start-up instead of silently running with a default.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / ".data"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value, or `default` when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Parse a boolean; raises ImproperlyConfigured for anything but yes/no words."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int) -> int:
    """Parse an integer; raises ImproperlyConfigured when it is not one."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated list with blanks dropped; `default` when unset."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _tcp_reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


# --- Core -----------------------------------------------------------------------------------

# `make run` writes this file (DEBUG=1 and a random SECRET_KEY for this checkout), so that a
# `manage.py` command typed in a second terminal runs as the development server does. Only
# those two variables are read from it, and only when the environment does not set them: a
# server without the file keeps the safe defaults.
DEVELOPMENT_ENV_FILE = DATA_DIR / "development.env"
DEVELOPMENT_ENV_VARIABLES = frozenset({"DEBUG", "SECRET_KEY"})


def _read_development_env(path: Path) -> None:
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() in DEVELOPMENT_ENV_VARIABLES:
            os.environ.setdefault(name.strip(), value.strip())


_read_development_env(DEVELOPMENT_ENV_FILE)

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string (for example the "
            "output of `python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or set "
            "DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list this site's host names when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

SITE_NAME = env_str("SITE_NAME", "Service Practice") or "Service Practice"
# Absolute base for links in emails (invitations, reminders), which have no request to build from.
SITE_URL = (env_str("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_celery_beat",
    "django_htmx",
    "learners",
    "courses",
    "assessments",
    "refreshers",
    "progress",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "learners.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
# The test suite asks for this: use PostgreSQL when DATABASE_URL points at one that answers,
# SQLite otherwise (tests/conftest.py reports which, and REQUIRE_SERVICES=1 turns a fallback
# into a failure).
DATABASE_FALLBACK = ""
if (
    env_bool("DATABASE_FALLBACK_TO_SQLITE", False)
    and DATABASE_URL.startswith("postgres")
    and not _tcp_reachable(DATABASE_URL, 5432)
):
    DATABASE_FALLBACK = f"PostgreSQL at {urlsplit(DATABASE_URL).hostname} did not answer"
    DATABASE_URL = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"

_db = environ.Env.db_url_config(DATABASE_URL)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let the web server, worker and beat share the embedded
    # database without "database is locked" errors on a first run. `timeout` is how long a
    # writer waits for the one write lock before that error; long jobs (question imports) write
    # in short transactions so no one waits anywhere near that long (docs/adr/0012).
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    _db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared: login rate limits live here) ----------------------------------------------

REDIS_URL = env_str("REDIS_URL")
CACHE_URL = env_str("CACHE_URL") or REDIS_URL
if CACHE_URL:
    CACHES = {"default": environ.Env.cache_url_config(CACHE_URL)}
    if CACHES["default"]["BACKEND"].endswith(".RedisCache"):
        # A Redis that accepts connections and never answers must fail a cache call, not hang
        # it for good (sign-in rate limits and /healthz's heartbeat read go through here).
        # ?socket_timeout=... in CACHE_URL still wins.
        _cache_options = CACHES["default"].setdefault("OPTIONS", {})
        _cache_options.setdefault("socket_timeout", 5)
        _cache_options.setdefault("socket_connect_timeout", 5)
else:
    # A file cache is shared by every process on one machine, which a first run needs:
    # rate limits must hold across the web server's workers.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# --- Accounts --------------------------------------------------------------------------------

AUTH_USER_MODEL = "learners.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

ACCOUNT_ADAPTER = "learners.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str(
    "ACCOUNT_EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory"
)
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# People join by invitation from their manager; open sign-up stays off unless an operator
# turns it on for a pilot.
ACCOUNT_ALLOW_SIGNUP = env_bool("ACCOUNT_ALLOW_SIGNUP", False)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
INVITATION_VALID_DAYS = 7

# --- Email -----------------------------------------------------------------------------------

EMAIL_URL = env_str("EMAIL_URL") or ("consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(environ.Env.email_url_config(EMAIL_URL))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <training@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ----------------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    # The first-run default needs no broker server: kombu passes messages through files.
    _broker_dir = DATA_DIR / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "store_processed": False,
        # Without this kombu writes its broadcast exchanges to ./control in the working dir.
        "control_folder": str(_broker_dir / "control"),
    }
else:
    # Socket timeouts above kombu's 1 s blocking pop, so a hung broker surfaces as an error.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
    }
# How long a dispatcher owns the outbox rows it claimed; a worker killed mid-batch leaves them
# to the next dispatcher after this. Longer than a batch takes to send.
NOTIFICATIONS_LEASE_SECONDS = env_int("NOTIFICATIONS_LEASE_SECONDS", 120)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
# Installed into django-celery-beat's tables when beat starts; admins see and edit them in the
# admin under "Periodic tasks".
CELERY_BEAT_SCHEDULE = {
    # /healthz reads what it leaves behind (config/heartbeat.py). A heartbeat nobody ran within
    # three minutes is dropped, so a worker that was down does not come back to a pile of them.
    # ("expire_seconds", not "expires": the DatabaseScheduler reads only that one.)
    "heartbeat": {
        "task": "config.heartbeat",
        "schedule": 60,
        "options": {"expire_seconds": 180},
    },
    "close-overdue-quiz-attempts": {
        "task": "assessments.tasks.close_overdue_attempts",
        "schedule": 60,
    },
    "renew-recurring-assignments": {
        "task": "progress.tasks.renew_recurring_assignments",
        "schedule": 60 * 60,
    },
    # Writes due reminders into the outbox and wakes the dispatchers (docs/adr/0015).
    "reminder-sweep": {
        "task": "notifications.tasks.run_reminder_sweep",
        "schedule": 60 * 5,
        "options": {"expire_seconds": 60 * 5},
    },
    "clear-expired-sessions": {
        "task": "learners.tasks.clear_expired_sessions",
        "schedule": 60 * 60 * 24,
    },
}

# --- Security --------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Load balancers probe over plain HTTP; a redirect would hide a database outage.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Preloading HSTS is a submission to browser vendors that is hard to undo; it is the operator's
# decision (SECURE_HSTS_PRELOAD), so the deploy check's reminder about it is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Content Security Policy -----------------------------------------------------------------

# django-csp (docs/adr/0011): every script and style comes from this site's own files, so an
# injected <script>, style="..." or onclick="..." does nothing. Lesson videos play from the
# only hosts courses.content.video_embed_url links to.
VIDEO_EMBED_ORIGINS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
# Report-only: browsers report what the policy would block and block nothing (for trying a
# change of policy on a live site first).
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
# Where browsers send violation reports: "/csp-report/" logs them here (config/csp.py).
CSP_REPORT_URI = env_str("CSP_REPORT_URI", "") or ""
_csp_policy = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Pico CSS draws its icons (select arrows, checkmarks) as data: SVG images.
        "img-src": [SELF, "data:"],
        "frame-src": VIDEO_EMBED_ORIGINS,
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": [CSP_REPORT_URI] if CSP_REPORT_URI else None,
    }
}
CONTENT_SECURITY_POLICY = None if CSP_REPORT_ONLY else _csp_policy
CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy if CSP_REPORT_ONLY else None
# Reports the endpoint takes per minute from one address and from everyone; larger ones are
# refused unread.
CSP_REPORTS_PER_MINUTE = (20, 200)
CSP_REPORT_MAX_BYTES = 16 * 1024

# --- Internationalisation, static files ------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates read "30 Nov 2026" everywhere (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC") or "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or DATA_DIR / "media")
# Course bundles uploaded on the web wait here for the author to confirm the import. Outside
# MEDIA_ROOT, so nothing here is ever served; shared like MEDIA_ROOT when several web servers run.
BUNDLE_UPLOAD_ROOT = DATA_DIR / "bundle-uploads"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # fontTools logs every table it writes when the certificate PDF embeds a font.
        "fontTools": {"level": "WARNING"},
        # The filesystem broker has no host; kombu warns about that on every connection.
        "kombu.connection": {
            "level": "ERROR" if CELERY_BROKER_URL == "filesystem://" else "WARNING"
        },
    },
}
