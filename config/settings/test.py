"""pytest: the embedded PostgreSQL (or DATABASE_URL), mail kept in memory."""

from config.embedded_postgres import database_from_env_or_embedded

from .base import *  # noqa: F403
from .base import env

DATABASES = {"default": database_from_env_or_embedded(env, name="rebook")}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECRET_KEY = "test-only-secret-key-not-for-any-real-deployment-0123456789"
