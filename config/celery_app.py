"""The Celery app. Tasks take ids and enter the practice scope themselves (ARCHITECTURE.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("rebook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
