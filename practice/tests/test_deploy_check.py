"""`manage.py check --deploy` with production settings and the environment README documents."""

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


def test_check_deploy_with_production_settings_is_clean():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "no issues" in output, output
