"""Settings, read from the XIAODIAN_* environment variables (see docs/operations.md)."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("XIAODIAN_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept in the data directory."""
    if key := os.environ.get("XIAODIAN_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("XIAODIAN_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("XIAODIAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
]
CSRF_TRUSTED_ORIGINS = [f"http://{h}:8000" for h in ALLOWED_HOSTS if h and h != "*"]
CSRF_FAILURE_VIEW = "xiaodian.web.errors.csrf_failure"  # the site's own page; JSON under /api/

# Served over HTTPS (docs/operations.md, "HTTPS"): plain http is redirected, browsers are told to
# use https only (HSTS), and the session and CSRF cookies are sent over https only. Off by default:
# `xiaodian demo` and the tests are plain http on the loopback address.
HTTPS = _env_bool("XIAODIAN_HTTPS")
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("XIAODIAN_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS += [f"https://{h}" for h in ALLOWED_HOSTS if h and h != "*"]
    # Behind a reverse proxy that terminates TLS, uvicorn takes the scheme from its X-Forwarded-Proto
    # when the proxy connects from an address in FORWARDED_ALLOW_IPS (127.0.0.1 by default): one
    # place decides whom to trust, for the scheme and the client address alike (docs/operations.md).

# The Content-Security-Policy (django-csp), on every response in every mode, tests included: the
# pages load script, style, images and media from this site only, with no inline script or style
# and no event-handler attributes; sockets go to this site; nothing may frame a page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # ninja in INSTALLED_APPS: /api/v1/docs loads its own Swagger UI files (ninja/static/ninja/), not a CDN's.
    "ninja",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "xiaodian.core",
    "xiaodian.accounts",
    "xiaodian.content",
    "xiaodian.social",
    "xiaodian.chats",
    "xiaodian.stores",
    "xiaodian.catalog",
    "xiaodian.payments",
    "xiaodian.wechatpay_sandbox",
    "xiaodian.orders",
    "xiaodian.reviews",
    "xiaodian.complaints",
    "xiaodian.aftersales",
    "xiaodian.scoring",
    "xiaodian.ledger",
    "xiaodian.alliance",
    "xiaodian.live",
    "xiaodian.coupons",
    "xiaodian.shares",
    "xiaodian.gifts",
    "xiaodian.business",
    "xiaodian.search",
    "xiaodian.service",
    "xiaodian.distribution",
    "xiaodian.analytics",
    "xiaodian.web",
    "xiaodian.benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "xiaodian.urls"
ASGI_APPLICATION = "xiaodian.asgi.application"
WSGI_APPLICATION = "xiaodian.wsgi.application"

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
                "xiaodian.web.navigation.navigation",
            ],
        },
    },
]


# Database: SQLite (WAL, IMMEDIATE transactions) by default; PostgreSQL through the pool when the URL is set.
def _database() -> dict:
    url = os.environ.get("XIAODIAN_DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "xiaodian.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.postgresql":
        pool_size = int(os.environ.get("XIAODIAN_DB_POOL_SIZE", "20"))
        # JIT off: the app's queries are short, and PostgreSQL's JIT compiles a plan it guesses is
        # costly for longer than the query then runs (the alliance library's count: 564 of 949 ms
        # at 100k plans, docs/benchmarks.md).
        config["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": pool_size, "timeout": 30},
            "options": "-c jit=off",
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "xiaodian.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "xiaodian.accounts.validators.NotOnlyWhitespaceValidator"},
]
# Argon2 for new and re-hashed passwords; PBKDF2 (the old default) is kept after it so existing
# hashes still verify, and Django re-hashes them with Argon2 at the next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:start"  # each role to its own first page (web.navigation)
LOGOUT_REDIRECT_URL = "web:home"

# Redis (optional): cache and channel layer; local memory otherwise.
REDIS_URL = os.environ.get("XIAODIAN_REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Self-built customer service: event endpoints must be HTTPS; plain http to the loopback address
# only when this is on (local development and the tests).
XIAODIAN_WEBHOOK_ALLOW_LOOPBACK_HTTP = _env_bool("XIAODIAN_WEBHOOK_ALLOW_LOOPBACK_HTTP")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Language and time: Simplified Chinese first, English second; stored UTC, shown in Asia/Shanghai.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

# Uploads: avatars and images are small; anything larger is refused before it reaches a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# No dotted paths into the apps here: a lower app reaches a higher one through the extension
# points the higher one registers into from its AppConfig.ready() (xiaodian.core.extensions,
# docs/decisions.md); xiaodian/core/tests/test_settings.py holds that.

# WeChat Pay API v3, the merchant's side (docs/payments.md). A value left empty falls back to the local
# sandbox: its identity (keys, ids) is generated on first use into SANDBOX_DIR, and with no BASE_URL the
# sandbox is this application itself, called in-process.
WECHATPAY: dict[str, str | Path] = {
    "MCHID": os.environ.get("XIAODIAN_WECHATPAY_MCHID", ""),
    "APPID": os.environ.get("XIAODIAN_WECHATPAY_APPID", ""),
    "PRIVATE_KEY_PATH": os.environ.get("XIAODIAN_WECHATPAY_PRIVATE_KEY_PATH", ""),
    "CERT_SERIAL_NO": os.environ.get("XIAODIAN_WECHATPAY_CERT_SERIAL_NO", ""),
    "APIV3_KEY": os.environ.get("XIAODIAN_WECHATPAY_APIV3_KEY", ""),
    "PUBLIC_KEY_PATH": os.environ.get("XIAODIAN_WECHATPAY_PUBLIC_KEY_PATH", ""),
    "PUBLIC_KEY_ID": os.environ.get("XIAODIAN_WECHATPAY_PUBLIC_KEY_ID", ""),
    "BASE_URL": os.environ.get("XIAODIAN_WECHATPAY_BASE_URL", ""),
    "NOTIFY_URL": os.environ.get("XIAODIAN_WECHATPAY_NOTIFY_URL", ""),
    "SANDBOX_DIR": DATA_DIR / "wechatpay",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XIAODIAN_LOG_LEVEL", "WARNING")},
    # 4xx answers are the API working as designed; only server errors are worth a log line.
    "loggers": {"django.request": {"level": "ERROR"}},
}
