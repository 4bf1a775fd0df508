"""A small fixed-window rate limit on the shared cache (Redis in production, see settings)."""

from django.core.cache import cache


def over_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under `key`; True once there were more than `limit` in the window."""
    key = f"ratelimit:{key}"
    cache.add(key, 0, window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, window_seconds)
        count = 1
    return count > limit
