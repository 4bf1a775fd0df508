"""pytest: the embedded PostgreSQL (or DATABASE_URL). Django's test runner keeps mail in memory
(locmem); worker processes that tests start send by EMAIL_URL to a loopback SMTP server."""

import os
import uuid

from config.embedded_postgres import database_from_env_or_embedded

from .base import *  # noqa: F403
from .base import env

DATABASES = {"default": database_from_env_or_embedded(env, name="rebook")}
SECRET_KEY = "test-only-secret-key-not-for-any-real-deployment-0123456789"

# Email templates that exist only for the tests (e.g. emails/test_note.*), found by the test
# process and by the worker processes tests start alike.
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "outbox" / "tests" / "templates"]  # noqa: F405

# Argon2 is deliberately slow (0.7–1.7 s a hash on a loaded machine) and every persona is a user with
# a password; a fast hasher is Django's own advice for tests. test_deploy_check proves production
# settings still hash with Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A queue of this test process's own on the configured broker, so parallel test processes, another
# test run on the machine and a running `make run` never take each other's tasks. The worker
# processes a test starts inherit REBOOK_TEST_RUN and so listen on the same name. The root
# conftest deletes the queue when the run ends.
_RUN = os.environ.setdefault("REBOOK_TEST_RUN", uuid.uuid4().hex[:12])
CELERY_TASK_DEFAULT_QUEUE = f"rebook-test-{_RUN}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
