"""Project settings, read from the environment.

Every variable has a default that suits `make run` on a bare machine (SQLite, eager Celery,
local-memory cache); production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "axes",
    "parties",
    "agreement",
    "provisions",
    "negotiations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "config.resilience.DatabaseUnavailableMiddleware",
    "config.security.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "parties.two_factor.TwoFactorEnrolmentMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the locked page
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
                "parties.context_processors.actor",
                "negotiations.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (runserver, eager tasks) share the file: wait for the write lock
    # instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            # Degrades to 'no cache' while Redis is down: pages and the API keep working.
            "BACKEND": "config.resilience.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Sessions stay in the database alone (Django's default), never in this cache: a sign-out
    # during a Redis outage would miss the cache, and the session would come back with Redis.
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no REDIS_URL tasks run in-process as they are queued; with it, a worker runs them.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With Redis down, queueing fails within a couple of seconds instead of hanging a request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # An unacknowledged task (its worker died) is delivered again after this many seconds.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}

CELERY_BEAT_SCHEDULE = {
    "daily-digest": {
        "task": "negotiations.tasks.send_daily_digest",
        "schedule": crontab(hour=6, minute=0),
    },
    "sweep-exports": {  # recovers exports whose worker was lost (see EXPORT_STALE_AFTER)
        "task": "agreement.tasks.sweep_exports",
        "schedule": float(os.environ.get("EXPORT_SWEEP_SECONDS", "30")),
        "options": {"expires": float(os.environ.get("EXPORT_SWEEP_SECONDS", "30"))},
    },
    "remove-old-export-files": {
        "task": "agreement.tasks.remove_old_export_files",
        "schedule": crontab(hour=3, minute=30),
    },
    "action-item-reminders": {
        "task": "negotiations.tasks.send_action_item_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in: django-allauth is the one sign-in path (the site, the admin, OpenID Connect, two-factor).
# Accounts are made by the secretariat (or on first agency sign-in), never by self sign-up.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked account or client
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "agreement:agreement-list"
LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "parties.signin.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_GET = False
# Confirming access before a sensitive change: the password, or a two-factor code. Never a code sent
# by e-mail: nobody signs in by e-mail here (parties/account_urls.py offers no such page).
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
# The sign-in throttle (django-axes, see parties/lockout.py) counts failures in the database, so a
# Redis flush or restart resets nothing. An account is locked after AXES_FAILURE_LIMIT failures
# from anywhere, a client address after SIGNIN_FAILURES_PER_CLIENT failures for any accounts, each
# until AXES_COOLOFF_TIME has passed since its last counted failure. The client address honours
# TRUSTED_PROXY_COUNT. A refusal while locked checks no password: it neither counts nor extends the
# lock. Unlocks go through parties.lockout.account_unlock (audited), not axes' own admin pages.
AXES_HANDLER = "parties.lockout.SignInAttempts"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = 5
SIGNIN_FAILURES_PER_CLIENT = 20
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True  # the account's own failures only (parties.lockout.SignInAttempts)
AXES_USERNAME_CALLABLE = "parties.lockout.signin_username"
AXES_CLIENT_IP_CALLABLE = "config.security.client_address"
AXES_LOCKOUT_CALLABLE = "parties.lockout.lockout_response"
AXES_ENABLE_ADMIN = False

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes, pages
# under /accounts/2fa/. The roles named here (lead, negotiator, reviewer, observer, and staff for
# the secretariat) must enrol before they can use anything else; empty: optional for everyone.
# Required for leads and staff by default, optional in DEBUG (the demo of `make run`).
TWO_FACTOR_REQUIRED_FOR = env_list("TWO_FACTOR_REQUIRED_FOR", "" if DEBUG else "lead,staff")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "Critical Minerals Agreement")
# Wrong codes at the sign-in code step count under allauth's "login_failed" rate (5 per account in
# 5 minutes, 10 a minute per address), as wrong passwords do: keep that rate when changing
# ACCOUNT_RATE_LIMITS, or the code step is open to guessing (tests/parties/test_two_factor.py).

# Agency sign-in (OpenID Connect; README "Operating it"). With OIDC_ISSUER set, the sign-in page
# offers the agency's identity provider beside the password form; unset, it does not. The groups
# claim (OIDC_GROUPS_CLAIM) places each person through OIDC_GROUP_MAP ("group=PARTY:role; ...",
# parties/claims.py); claims that map to no delegation are refused. Register the redirect URI
# <site>/accounts/oidc/<OIDC_PROVIDER_ID>/login/callback/ at the identity provider.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").strip().rstrip("/")
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
OIDC_GROUP_MAP = os.environ.get("OIDC_GROUP_MAP", "")
SOCIALACCOUNT_ADAPTER = "parties.agency.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = False
# An e-mail address never links an agency identity to an existing account: only the provider's
# subject identifier does.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": os.environ.get("OIDC_PROVIDER_ID", "agency"),
                "name": os.environ.get("OIDC_PROVIDER_NAME", "Sign in with your agency account"),
                "client_id": os.environ.get("OIDC_CLIENT_ID", ""),
                "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                "settings": {
                    "server_url": OIDC_ISSUER,
                    "scope": os.environ.get("OIDC_SCOPES", "openid profile email").split(),
                    "oauth_pkce_enabled": True,
                },
            }
        ]
        if OIDC_ISSUER
        else [],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "negotiations@localhost")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", BASE_DIR / "sent-mail")
# Links in e-mails point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Security: on by default whenever DEBUG is off, so `check --deploy` is clean.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Proxies in front of the application that append the client's address to X-Forwarded-For (the
# compose stack's TLS proxy is one). Zero: only the socket's address is trusted.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Exports: a running export beats every EXPORT_HEARTBEAT_SECONDS; one silent for
# EXPORT_STALE_SECONDS has lost its worker, and the sweeper (every EXPORT_SWEEP_SECONDS) queues it
# again, until EXPORT_MAX_ATTEMPTS runs have started; then it fails with the reason. Worst case from
# a worker's death to the job queued again or failed: stale + sweep = 90 s by default. Files are
# kept for EXPORT_RETENTION_DAYS, the job rows (who received which file) for good.
EXPORT_HEARTBEAT_INTERVAL = datetime.timedelta(
    seconds=float(os.environ.get("EXPORT_HEARTBEAT_SECONDS", "10"))
)
EXPORT_STALE_AFTER = datetime.timedelta(seconds=float(os.environ.get("EXPORT_STALE_SECONDS", "60")))
EXPORT_MAX_ATTEMPTS = int(os.environ.get("EXPORT_MAX_ATTEMPTS", "2"))
EXPORT_QUEUED_LIMIT = datetime.timedelta(hours=1)
# Holds every build this long in one step that reports no progress, as a long PDF layout does.
# For the worker-loss tests; 0 (no pause) otherwise.
EXPORT_BUILD_PAUSE_SECONDS = float(os.environ.get("EXPORT_BUILD_PAUSE_SECONDS", "0"))
EXPORT_RETENTION = datetime.timedelta(days=int(os.environ.get("EXPORT_RETENTION_DAYS", "7")))

# Provision bodies above this size are refused with a clear error (see docs/api.md).

PROVISION_BODY_MAX_CHARS = 1_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "parties.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "config.api.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# API tokens (django-rest-knox): each user makes named tokens on /accounts/tokens/, each with its
# own expiry; only a digest of the key is stored. Clients send `Authorization: Token <key>`.
KNOX_TOKEN_MODEL = "parties.ApiToken"
REST_KNOX = {"AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False, "TOKEN_TTL": None}
# knox's own AuthToken is swapped out for parties.ApiToken: its migrations would only make an
# empty table that nothing reads.
MIGRATION_MODULES = {"knox": None}

SPECTACULAR_SETTINGS = {
    "TITLE": "Critical Minerals Agreement negotiation API",
    "DESCRIPTION": "Provisions, bracketed negotiating text, history, positions and exports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AgreementStatusEnum": "agreement.models.Agreement.Status",
        "ProvisionStatusEnum": "provisions.models.Status",
        "ProvisionChangeKindEnum": "provisions.compare.CHANGE_KINDS",
        "PartyKindEnum": "parties.models.Party.Kind",
        "ProposalStateEnum": "negotiations.models.Proposal.State",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
