"""Production: PostgreSQL from DATABASE_URL, Redis from CELERY_BROKER_URL, SMTP from EMAIL_URL.

Everything that must be secret or site-specific is required; nothing falls back to a laptop default.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CELERY_BROKER_URL = env("CELERY_BROKER_URL")

# Rate limits (sign-in lock-out aside, which lives in the database) count in the cache; in each
# process's own memory every limit would be multiplied by the number of web processes.
if not env("REBOOK_CACHE_REDIS_URL", default=""):
    raise ImproperlyConfigured(
        "Set REBOOK_CACHE_REDIS_URL (e.g. redis://host:6379/2): rate limits need a cache that every web process shares."
    )

# Sessions are read from that cache and written through to the database: a signed-in page no
# longer reads its session row. Code that ends sessions must delete them through the session store
# (SessionStore(key).delete()), which empties the cache too; expired ones lapse in both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DATABASES = {"default": {**env.db("DATABASE_URL"), "ENGINE": "config.db"}}  # see config/db/base.py
# A new PostgreSQL connection per request costs several times the page itself.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
