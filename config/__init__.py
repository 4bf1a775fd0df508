# Importing the Celery app here makes @shared_task use it in every process that loads Django.
from .celery_app import app as celery_app

__all__ = ("celery_app",)
