"""Practice URLs live under /p/<practice_slug>/. Each app lists its practice routes without the
prefix and hands them to `under_practice`, so the prefix, and the URL keyword the access middleware
reads, are written here once (as pretix's event_patterns are)."""

from django.urls import include, path

TENANT_URL_KWARG = "practice_slug"
PRACTICE_PREFIX = f"p/<slug:{TENANT_URL_KWARG}>/"


def under_practice(patterns: list) -> list:
    """`patterns` (paths relative to a practice) as they are routed: below /p/<practice_slug>/."""
    return [path(PRACTICE_PREFIX, include(patterns))]
