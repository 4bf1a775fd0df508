"""Settings for the benchmarks: the local database (DATABASE_URL, or the embedded server) with what
production changes for speed: DEBUG off (templates cached, no debug bookkeeping) and persistent
database connections. Rate limits count in process memory, as nothing here shares them."""

from config.settings.local import *  # noqa: F403
from config.settings.local import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
