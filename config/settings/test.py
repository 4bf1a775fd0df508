"""pytest: the embedded PostgreSQL (or DATABASE_URL). Django's test runner keeps mail in memory
(locmem); worker processes that tests start send by EMAIL_URL to a loopback SMTP server."""

from config.embedded_postgres import database_from_env_or_embedded

from .base import *  # noqa: F403
from .base import env

DATABASES = {"default": database_from_env_or_embedded(env, name="rebook")}
SECRET_KEY = "test-only-secret-key-not-for-any-real-deployment-0123456789"

# Email templates that exist only for the tests (e.g. emails/test_note.*), found by the test
# process and by the worker processes tests start alike.
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "outreach" / "tests" / "templates"]  # noqa: F405
