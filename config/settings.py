"""LinkMall settings. Configuration comes from the environment; no business code lives here."""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import django_stubs_ext

# the admin classes are written `ModelAdmin[Model]`, which needs this runtime patch (not left to django_tasks' import)
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LINKMALL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "linkmall.core",
    "linkmall.accounts",
    "linkmall.ledger",
    "linkmall.catalog",
    "linkmall.stores",
    "linkmall.customers",
    "linkmall.cards",
    "linkmall.campaigns",
    "linkmall.orders",
    "linkmall.payments",
    "linkmall.referral",
    "linkmall.aftersales",
    "linkmall.scenarios",
    "linkmall.demo",
    "linkmall.web",
    "linkmall.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "linkmall.referral.middleware.ShareVisitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "linkmall.core.middleware.OutOfRangeIdsAsNotFound",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
    }
]


def database_from_url(url: str) -> dict:
    """Parse postgresql://user:pass@host:port/name?opt=v into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use postgresql://)")
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "60")),
        "OPTIONS": options,
        "TEST": {"NAME": os.environ.get("TEST_DATABASE_NAME") or None},
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "linkmall.sqlite3")),
            # keep connections: opening one and running the WAL pragmas costs about a millisecond
            "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "600")),
            "CONN_HEALTH_CHECKS": True,
            # IMMEDIATE transactions take the write lock up front, so two writers queue on the
            # busy timeout instead of one failing with "database is locked" on lock upgrade.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not ":memory:": threads in concurrency tests then wait on the busy timeout
            # like real processes do, instead of failing on shared-cache table locks. One file
            # per test process, so parallel runs never share it.
            "TEST": {"NAME": os.environ.get("TEST_SQLITE_PATH") or str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "linkmall" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic fills it; whitenoise warns on every start when it is absent
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "linkmall"}}

# the flash sale's Redis path (docs/specs/campaigns.md): its keys start with this prefix and a hash
# of the database's name, so two databases on one Redis never share a sale
FLASH_REDIS_PREFIX = os.environ.get("FLASH_REDIS_PREFIX", "linkmall")
# a merchant's "end" waits this long for the last admitted orders to be written
FLASH_END_WAIT_SECONDS = float(os.environ.get("FLASH_END_WAIT_SECONDS", "10"))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"linkmall": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")}},
}

# --- LinkMall business settings -------------------------------------------------------------
LINKMALL = {
    "ORDER_PAYMENT_TIMEOUT_MINUTES": int(os.environ.get("ORDER_PAYMENT_TIMEOUT_MINUTES", "15")),
    "AUTO_RECEIVE_DAYS": int(os.environ.get("AUTO_RECEIVE_DAYS", "10")),
    "AFTERSALE_RESPONSE_HOURS": int(os.environ.get("AFTERSALE_RESPONSE_HOURS", "48")),
    "SMS_BACKEND": os.environ.get("SMS_BACKEND", "linkmall.accounts.sms.LogSmsBackend"),
    "SMS_CODE_TTL_SECONDS": 300,
    "SMS_RESEND_SECONDS": 60,
    "SMS_MAX_PER_PHONE_PER_HOUR": 5,
    "SMS_MAX_ATTEMPTS": 5,
    "WECHAT_CLIENT": os.environ.get("WECHAT_CLIENT", "linkmall.accounts.wechat.HttpWeChatClient"),
    "WECHAT_APP_ID": os.environ.get("WECHAT_APP_ID", ""),
    "WECHAT_APP_SECRET": os.environ.get("WECHAT_APP_SECRET", ""),
    "PAYMENT_GATEWAY": os.environ.get("PAYMENT_GATEWAY", "sandbox"),
    "SANDBOX_PAY_KEY": os.environ.get("SANDBOX_PAY_KEY", "sandbox-signing-key-for-dev-only"),
    "NOTIFY_MAX_AGE_SECONDS": 300,
    "WITHDRAWAL_MIN_FEN": int(os.environ.get("WITHDRAWAL_MIN_FEN", "1000")),
    "WITHDRAWAL_FEE_PERCENT": os.environ.get("WITHDRAWAL_FEE_PERCENT", "0"),
    # browsing pages (store, category, product) are served from cache for this long; placing an
    # order always re-reads price and stock, so a 1-second-old page never sells what is gone
    "PAGE_MICROCACHE_SECONDS": int(os.environ.get("PAGE_MICROCACHE_SECONDS", "1")),
    "PAYOUT_ADAPTER": os.environ.get("PAYOUT_ADAPTER", "linkmall.ledger.payouts.SandboxTransfer"),
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True
