"""The one settings module, driven by environment variables (see README「配置」and「生产部署」).

DJANGO_ENV (development | production), DJANGO_DEBUG, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, MEDIA_ROOT,
TASKS_IMMEDIATE, STORAGE_BACKEND and AWS_* (config/storage.py); in production also the HTTPS, cookie, session
and logging variables read below (deploy/production.env is the commented example). Tests use
config.test_settings, which imports this module and overrides a few values.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django_prose_editor.config import html_tags
from js_asset import static_lazy

from config.env import database_from_url, env_bool, env_int, env_list
from config.storage import default_storage_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"环境变量 DJANGO_ENV 的值 {DJANGO_ENV!r} 无效：应为 development 或 production。")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_ENV=production 时不能设置 DJANGO_DEBUG=true（调试页面会泄露配置和数据）。")


def _read_secret_key() -> str:
    """SECRET_KEY from the environment, else from SECRET_KEY_FILE (scripts/setup.sh writes var/secret_key)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(os.environ.get("SECRET_KEY_FILE", VAR_DIR / "secret_key"))
    if path.is_file() and path.read_text().strip():
        return path.read_text().strip()
    if DEBUG:
        return "dev-only-insecure-key-do-not-use-in-production"
    raise ImproperlyConfigured(
        "未设置 SECRET_KEY：请设置环境变量 SECRET_KEY 或 SECRET_KEY_FILE"
        "（运行 scripts/setup.sh 会生成 var/secret_key），开发时也可设 DJANGO_DEBUG=true。"
    )


SECRET_KEY = _read_secret_key()
if PRODUCTION and SECRET_KEY.startswith("change-me"):
    raise ImproperlyConfigured("SECRET_KEY 仍是 deploy/production.env 中的示例值：请按其中的命令生成新的密钥。")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # django-bootstrap-static: Bootstrap 5 files, served locally (no CDN)
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "django_prose_editor",  # the report sections' editor (offline: its scripts, styles and icon font are packaged)
    "axes",  # login throttling: a username is locked after AXES_FAILURE_LIMIT wrong passwords, on both login pages
    "csp",
    "operations",
    "rubrics",
    "evaluations",
    "reports",
]

MIDDLEWARE = [
    "operations.middleware.RequestLogMiddleware",  # first: its duration and request id cover everything below
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "operations.middleware.RequestUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "operations.middleware.IdleSessionMiddleware",
    "operations.middleware.NoStoreForSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "evaluations.middleware.InputHygieneMiddleware",
    "evaluations.middleware.UserActionMiddleware",
    "evaluations.middleware.FrozenEvaluationMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"

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
                "evaluations.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", "sqlite:///var/db.sqlite3"), BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "evaluations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves the collected files with hashed names (cached for a year by browsers and the proxy); it needs
# `collectstatic` after every deployment (scripts/serve.sh and the README's steps run it).
STORAGES = {
    "default": default_storage_from_env(),  # local disk (MEDIA_ROOT) or S3-compatible object storage: config/storage.py
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

MEDIA_URL = "media/"  # never served directly: evidence goes through permission-checked views
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if env_bool("TASKS_IMMEDIATE", default=False)
        else "django_tasks_db.DatabaseBackend"
    }
}

# The section editor's own extensions, loaded by django-prose-editor's configurable preset: Word's list paragraphs
# pasted as lists, and figures bound to the data. They add no HTML of their own: what a section may hold is
# evaluations.narrative_html's allow-list.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {"js": [static_lazy("js/prose_word_paste.js")], "extensions": {"WordPaste": html_tags([])}},
    {"js": [static_lazy("js/prose_data_figure.js")], "extensions": {"DataFigure": html_tags(["span"])}},
]

# Large tables post one field per cell when JavaScript is off (tables.js sends one JSON field).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Sessions: signed out after SESSION_IDLE_MINUTES without a request (operations.middleware.IdleSessionMiddleware),
# and after SESSION_MAX_HOURS in any case.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", default=30))
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", default=12) * 3600

# HTTPS behind a reverse proxy (deploy/nginx.conf). The proxy terminates TLS and says so in X-Forwarded-Proto;
# Django trusts that header only when SECURE_PROXY_SSL_HEADER names it (the proxy must overwrite it, never pass on a
# client's). Everything below defaults to on in production and off in development.
_proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (_proxy_header, "https") if _proxy_header else None
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy and monitors ask over plain HTTP on the loopback
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp): scripts and styles only from this site; the section editor's import map
# carries the request's nonce (templatetag media_nonce). Inline style attributes (progress bars, column widths) need
# 'unsafe-inline' for styles; nothing inline may run as script. Evidence downloads set their own sandbox policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Login throttling (django-axes), the same on /accounts/login/ and /admin/login/: after AXES_FAILURE_LIMIT wrong
# passwords a username is refused for AXES_COOLOFF_MINUTES, with a Chinese page (429). Keyed by username, not by
# address: offices sit behind one address, and a guesser changing addresses must not get more tries. The proxy's
# rate limit (deploy/nginx.conf) bounds the cost of tries per address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for ip_address against rotating user agents or cookies; neither key is used here, and a username
# lock is not bypassed by rotating anything.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "operations.views.locked_out"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，该账号已暂时锁定，请稍后再试。"

# The task worker (operations/management/commands/run_worker.py): how many renders at once, how much lower its
# priority than the web's, and how old its heartbeat may be before /healthz reports it missing.
WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", default=1)
WORKER_NICE = env_int("WORKER_NICE", default=10)
WORKER_HEARTBEAT_SECONDS = 15
WORKER_HEARTBEAT_MAX_AGE = timedelta(seconds=env_int("WORKER_HEARTBEAT_MAX_AGE", default=60))

# Logs: one JSON object per line (request id, user, evaluation, duration for each request) to stdout and, unless
# LOG_FILE is empty, to a file rotated at 10 MB (5 kept).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOG_FILE = os.environ.get("LOG_FILE", str(VAR_DIR / "log" / "app.log"))
_log_handlers = ["console"]
_handlers: dict[str, dict] = {
    "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request"]},
}
if LOG_FILE:
    Path(LOG_FILE).parent.mkdir(parents=True, exist_ok=True)
    _handlers["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": LOG_FILE,
        "maxBytes": 10 * 1024 * 1024,
        "backupCount": 5,
        "encoding": "utf-8",
        "formatter": "json",
        "filters": ["request"],
    }
    _log_handlers.append("file")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "operations.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "operations.logging.JsonFormatter"}},
    "handlers": _handlers,
    "root": {"handlers": _log_handlers, "level": "WARNING"},
    "loggers": {
        "operations": {"level": LOG_LEVEL},
        "reports": {"level": LOG_LEVEL},
        "django_tasks": {"level": LOG_LEVEL},
        "django_tasks_db": {"level": LOG_LEVEL},
        "axes": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},  # 4xx are in the request log already
    },
}
