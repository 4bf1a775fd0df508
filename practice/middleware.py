"""The one place that turns a URL into a practice scope and enforces every view's declared access."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_scopes import scope

from practice.access import PUBLIC, RECORD_RULES, SIGNED_IN, declared_permission
from practice.account_sessions import session_seen
from practice.routing import TENANT_URL_KWARG
from practice.selectors import membership_for


class AccessMiddleware:
    """For each request:

    - resolve the view and read its declared access (a view without one is refused);
    - PUBLIC: run it; anything else needs a signed-in user, otherwise redirect to login;
    - URLs under /p/<practice_slug>/: find the user's membership of that practice, answering 404
      when there is none (the same answer as for a practice that does not exist), 403 when the role
      lacks the view's permission, and to two-factor enrolment when a practice of theirs requires a
      second factor this session has not proved; then set request.practice and request.membership, switch to the
      practice's time zone and run the view inside the practice scope (django-scopes), once the
      record rules (practice.access.RECORD_RULES) have let it through.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.practice = None
        request.membership = None
        request.memberships = []
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)  # CommonMiddleware / the 404 handler deal with it

        request.resolver_match = match  # Django sets it later; the record rules want it now
        permission = declared_permission(match.func)
        if permission == PUBLIC:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        slug = match.kwargs.get(TENANT_URL_KWARG)
        if slug is None:
            if permission != SIGNED_IN:
                raise RuntimeError(f"{match.view_name}: a practice permission needs a /p/<{TENANT_URL_KWARG}>/ URL")
            return self.get_response(request)
        return self._within_practice(request, slug, permission, match.kwargs)

    def _within_practice(self, request, slug, permission, url_kwargs):
        membership, request.memberships = membership_for(user=request.user, practice_slug=slug)
        if membership is None:
            raise Http404("No such practice.")
        if _second_factor_missing(request):
            return redirect(f"{reverse('practice:two-factor-add')}?{urlencode({'next': request.get_full_path()})}")
        # Set before the role check, so the 403 page still shows the practice's navigation.
        request.practice = membership.practice
        request.membership = membership
        if permission != SIGNED_IN and not membership.has_perm(permission):
            raise PermissionDenied("Your role in this practice does not include this page.")
        timezone.activate(membership.practice.zone)
        try:
            with scope(practice=membership.practice):
                for rule in RECORD_RULES:
                    if (refusal := rule(request, permission, url_kwargs)) is not None:
                        return refusal
                return self.get_response(request)
        finally:
            timezone.deactivate()


def _second_factor_missing(request) -> bool:
    """A practice the person works in requires two-factor sign-in and this session has not proved
    one (signed in with it, or enrolled since): no practice page until it has."""
    required = any(m.practice.require_two_factor for m in request.memberships)
    return required and DEVICE_ID_SESSION_KEY not in request.session


class NoStoreMiddleware:
    """Pages and documents are never kept by browsers or proxies: signed-in pages show health
    information and client records, and public token pages (intake, reports) do too. Static files
    are answered by WhiteNoise before this runs and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


class SlidingSessionMiddleware:
    """The idle timeout slides with activity, saving the session at most once a minute rather
    than on every request (three queries each): the expiry moves in steps of a minute at most.
    Sits just inside SessionMiddleware, which saves what this marks."""

    REFRESH_AFTER_SECONDS = 60
    KEY = "_seen_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            if self._now() - session.get(self.KEY, 0) >= self.REFRESH_AFTER_SECONDS:
                self.mark_seen(session)
        return response

    @classmethod
    def mark_seen(cls, session) -> None:
        session[cls.KEY] = cls._now()
        if session.session_key:  # the sessions page's "last seen", kept in step
            session_seen(session_key=session.session_key)

    @staticmethod
    def _now() -> int:
        return int(timezone.now().timestamp())


def session_seen_at_sign_in(sender, request, user, **kwargs):
    """user_logged_in: signing in saves the session anyway, so the next minute's pages need not."""
    if getattr(request, "session", None) is not None:
        SlidingSessionMiddleware.mark_seen(request.session)
