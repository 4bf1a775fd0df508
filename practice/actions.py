"""The tail of a button's view: call a service, tell the person how it went, go back."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def attempt(request, action, *, done):
    """Run `action()`. On success flash `done` (a text, or a function of the result) and return the
    result; when the service refuses (ValidationError), flash every reason it gives and return None.
    The caller redirects either way."""
    try:
        result = action()
    except ValidationError as refused:
        for reason in refused.messages:
            messages.error(request, reason)
        return None
    messages.success(request, done(result) if callable(done) else done)
    return result
