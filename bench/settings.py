"""Settings for the benchmarks: the local database (DATABASE_URL, or the embedded server) with what
production changes for speed: DEBUG off (templates cached, no debug bookkeeping), persistent
database connections, and, when REBOOK_CACHE_REDIS_URL names a Redis, sessions read from it.
Without it, rate limits count in process memory and sessions live in the database."""

from config.settings.local import *  # noqa: F403
from config.settings.local import DATABASES, env

DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

if env("REBOOK_CACHE_REDIS_URL", default=""):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # as in production
