"""Production settings, loaded in a process of their own with the environment README documents:
`manage.py check --deploy` is clean, passwords are hashed with Argon2 (the test settings use a fast
hasher, so only this test can tell), sessions are read from the shared cache, and the settings
refuse to start without that cache."""

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from outreach.tests.live import database_url_for_subprocess, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k8Zq2vX9mW4rT7yP1sL6nB3cF0hJ5dG8aE2uR9iO4wQ7tY1xV6zC3bN0mK5jH8gF",
    "DJANGO_ALLOWED_HOSTS": "rebook.example",
    "DATABASE_URL": "postgres://rebook:secret@db.internal:5432/rebook",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://rebook:secret@smtp.internal:587",
    "REBOOK_SITE_URL": "https://rebook.example",
    "REBOOK_CACHE_REDIS_URL": "redis://redis.internal:6379/2",
}

# One process for every check: starting Python with Django is the slow part.
PROBE = """
import importlib, os, sys
cache_url = os.environ.pop("REBOOK_CACHE_REDIS_URL")
try:
    importlib.import_module("config.settings.production")
except Exception as error:
    print("without a shared cache:", type(error).__name__, error)
for name in [name for name in sys.modules if name.startswith("config.settings")]:
    del sys.modules[name]
os.environ["REBOOK_CACHE_REDIS_URL"] = cache_url
import django
django.setup()
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.management import call_command
call_command("check", deploy=True, fail_level="WARNING")
print("hasher:", identify_hasher(make_password("a passphrase")).algorithm)
from django.conf import settings
print("sessions:", settings.SESSION_ENGINE)
"""


def test_production_settings_pass_the_deploy_check_hash_with_argon2_and_need_a_shared_cache():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "no issues" in output, output
    assert "hasher: argon2" in output, output
    assert "sessions: django.contrib.sessions.backends.cached_db" in output, output
    assert "without a shared cache: ImproperlyConfigured Set REBOOK_CACHE_REDIS_URL" in output, output


@pytest.mark.django_db
def test_the_gunicorn_access_log_carries_no_query_string_or_referrer():
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for_subprocess(),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "config/gunicorn.py",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _answers(port), timeout=30, message="gunicorn did not start")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz?q=hypertension", headers={"Referer": "http://x/clients/?q=migraine"}
        )
        assert urllib.request.urlopen(request, timeout=10).read() == b"ok"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert '"GET /healthz HTTP/1.1" 200' in output, output
    assert "hypertension" not in output and "migraine" not in output, output


def _answers(port) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
