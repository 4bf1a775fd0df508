"""Production settings, loaded in a process of their own with the environment README documents:
`manage.py check --deploy` is clean and passwords are hashed with Argon2 (the test settings use a
fast hasher, so only this test can tell)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k8Zq2vX9mW4rT7yP1sL6nB3cF0hJ5dG8aE2uR9iO4wQ7tY1xV6zC3bN0mK5jH8gF",
    "DJANGO_ALLOWED_HOSTS": "rebook.example",
    "DATABASE_URL": "postgres://rebook:secret@db.internal:5432/rebook",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://rebook:secret@smtp.internal:587",
    "REBOOK_SITE_URL": "https://rebook.example",
}

# One process for both checks: starting Django with production settings is the slow part.
PROBE = """
import django
django.setup()
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.management import call_command
call_command("check", deploy=True, fail_level="WARNING")
print("hasher:", identify_hasher(make_password("a passphrase")).algorithm)
"""


def test_production_settings_pass_the_deploy_check_and_hash_with_argon2():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "no issues" in output, output
    assert "hasher: argon2" in output, output
