"""One settings module; everything comes from environment variables with defaults that just run.

DATABASE_URL=postgres://user@host/db switches from the embedded SQLite to PostgreSQL.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("JIAYI_VAR_DIR", PROJECT_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def _local_secrets() -> dict:
    """Keys for a machine without configured secrets: generated once and kept in var/secrets.json.

    Production sets JIAYI_SECRET_KEY, JIAYI_FIELD_KEY and JIAYI_INDEX_KEY in the environment instead.
    Losing the field key makes stored IDs and phones unreadable, so the file is never regenerated.
    """
    path = VAR_DIR / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    data = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": secrets.token_hex(32),
        "index_key": secrets.token_hex(32),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return data


_needs_local = not all(os.environ.get(k) for k in ("JIAYI_SECRET_KEY", "JIAYI_FIELD_KEY", "JIAYI_INDEX_KEY"))
_local = _local_secrets() if _needs_local else {}

SECRET_KEY = os.environ.get("JIAYI_SECRET_KEY") or _local["secret_key"]
# AES-256-GCM key for sensitive fields, and the HMAC key of their blind index (hex, 32 bytes each).
JIAYI_FIELD_KEY = os.environ.get("JIAYI_FIELD_KEY") or _local["field_key"]
JIAYI_INDEX_KEY = os.environ.get("JIAYI_INDEX_KEY") or _local["index_key"]

DEBUG = _env_bool("JIAYI_DEBUG", True)
ALLOWED_HOSTS = os.environ.get("JIAYI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("JIAYI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Serves the API docs (Swagger UI) from its own static files instead of a CDN.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "jiayi.core",
    "jiayi.registry",
    "jiayi.teams",
    "jiayi.policy",
    "jiayi.catalog",
    "jiayi.contracts",
    "jiayi.referrals",
    "jiayi.care",
    "jiayi.surveys",
    "jiayi.evaluation",
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
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jiayi.core.middleware.LoginRequiredMiddleware",
    "jiayi.core.middleware.AuditContextMiddleware",
    "jiayi.core.viewkit.BusinessErrorMiddleware",
]

ROOT_URLCONF = "jiayi.urls"
WSGI_APPLICATION = "jiayi.wsgi.application"

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
                "jiayi.core.context_processors.navigation",
            ],
        },
    }
]

SQLITE_PATH = Path(os.environ.get("JIAYI_SQLITE_PATH", VAR_DIR / "jiayi.sqlite3"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("JIAYI_SQLITE_TEST_PATH") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
try:  # argon2 is preferred when installed; PBKDF2 (Django's default, 1M iterations) otherwise
    import argon2  # noqa: F401
except ImportError:
    PASSWORD_HASHERS = PASSWORD_HASHERS[1:]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions expire after inactivity (R-SEC-3).
SESSION_COOKIE_AGE = int(os.environ.get("JIAYI_SESSION_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("JIAYI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Lock-out after repeated failed logins (R-SEC-3).
JIAYI_LOCKOUT_ATTEMPTS = int(os.environ.get("JIAYI_LOCKOUT_ATTEMPTS", 5))
JIAYI_LOCKOUT_MINUTES = int(os.environ.get("JIAYI_LOCKOUT_MINUTES", 15))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = PROJECT_DIR / "staticfiles"
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/signature_pad", NODE_MODULES / "signature_pad" / "dist"),
]
STATICFILES_DIRS = [d for d in STATICFILES_DIRS if (d[1] if isinstance(d, tuple) else d).exists()]
WHITENOISE_USE_FINDERS = True
# WhiteNoise serves from the finders in development; it only needs STATIC_ROOT to exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("JIAYI_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("JIAYI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# Capacity per family doctor when no policy says otherwise (R-TEAM-4).
JIAYI_DEFAULT_DOCTOR_CAPACITY = 2000
JIAYI_PAGE_SIZE = 25

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JIAYI_LOG_LEVEL", "WARNING")},
    "loggers": {"jiayi": {"level": os.environ.get("JIAYI_LOG_LEVEL", "INFO")}},
}
