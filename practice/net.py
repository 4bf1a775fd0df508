"""The client's address and the name a sign-in attempt gives, one way for the audit log and login
throttling alike."""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or with REBOOK_TRUSTED_PROXIES = n, the address the n-th proxy from the right
    saw in X-Forwarded-For (entries further left can be forged by the client)."""
    proxies = settings.REBOOK_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def login_username(request, credentials=None) -> str:
    """The email a sign-in attempt names, as django-axes counts failures: lower-cased, so that
    changing the case of the address does not start a fresh count."""
    if credentials and credentials.get("username"):
        typed = credentials["username"]
    else:
        typed = request.POST.get("username", "") if request is not None else ""
    return str(typed).replace("\x00", "").strip().lower()  # NUL cannot be stored, nor typed in a form
