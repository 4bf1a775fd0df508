"""Housekeeping run by Celery beat."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from practice.account_sessions import forget_old_browsers, sessions_clear_stale


@shared_task
def clear_expired_sessions() -> int:
    """Delete sessions past their idle expiry, so the table does not grow for ever."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    sessions_clear_stale()  # and the sessions page's records of them
    forget_old_browsers()  # and browsers whose known-browser cookie has expired
    return deleted
