"""Every URL pattern, found through the resolver (never listed by hand), against every persona:
anonymous visitors are sent to login, members of another practice get 404, members whose role lacks
the view's permission get 403, and members whose role holds it get through, with a page that says
no-store (nothing is kept in a browser's or proxy's cache). A pattern the sweep cannot classify (no
access declaration, unknown permission, unknown URL parameter) fails."""

import uuid

import pytest
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from practice.access import PUBLIC, SIGNED_IN, declared_permission
from practice.permissions import PERMISSIONS
from practice.routing import TENANT_URL_KWARG

# Sample values for URL parameters by converter. Object ids are random: access is decided before a
# view looks anything up, so an allowed member gets 404/405 from the view, never 403.
SAMPLE_BY_CONVERTER = {
    "UUIDConverter": lambda: uuid.uuid4(),
    "StringConverter": lambda: "sample-token",
    "SlugConverter": lambda: "sample-slug",
    "IntConverter": lambda: 1,
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner_ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner_ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace + (entry.name or ""), entry


ALL_PATTERNS = list(_walk(get_resolver().url_patterns))


def _sample_url(pattern: URLPattern, route_name: str, slug: str) -> str:
    kwargs = {}
    for name, converter in _converters(pattern).items():
        if name == TENANT_URL_KWARG:
            kwargs[name] = slug
            continue
        sample = SAMPLE_BY_CONVERTER.get(type(converter).__name__)
        assert sample, f"{route_name}: the sweep has no sample for parameter {name!r} ({converter!r})"
        kwargs[name] = sample()
    return reverse(route_name, kwargs=kwargs)


def _converters(pattern):
    # A nested route's converters live on the resolvers above it; the full route names them all.
    return {**getattr(pattern, "_sweep_parent_converters", {}), **pattern.pattern.converters}


def _attach_parent_converters():
    def walk(patterns, inherited):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, {**inherited, **entry.pattern.converters})
            else:
                entry._sweep_parent_converters = inherited

    walk(get_resolver().url_patterns, {})


_attach_parent_converters()


def test_every_url_is_named_and_declares_a_known_access_level():
    for route, name, pattern in ALL_PATTERNS:
        assert name, f"{route}: every URL needs a name"
        permission = declared_permission(pattern.callback)  # raises for a view that declares nothing
        assert permission in (PUBLIC, SIGNED_IN) or permission in PERMISSIONS, f"{route}: unknown {permission!r}"
        if permission not in (PUBLIC, SIGNED_IN):
            assert TENANT_URL_KWARG in _converters(pattern), f"{route}: a practice permission needs /p/<slug>/"


@pytest.mark.parametrize("route,name,pattern", ALL_PATTERNS, ids=[name for _, name, _ in ALL_PATTERNS])
def test_access_rules_hold_for(route, name, pattern, client, client_for, practice, personas):
    permission = declared_permission(pattern.callback)
    url = _sample_url(pattern, name, practice.slug)

    anonymous = client.get(url)
    if permission == PUBLIC:
        assert not _is_login_redirect(anonymous), f"{url} is public but sent a visitor to login"
        assert anonymous.status_code < 500
        assert "no-store" in anonymous.get("Cache-Control", ""), f"{url}: may be cached"
        return
    assert _is_login_redirect(anonymous), f"{url}: anonymous got {anonymous.status_code}, not the login page"
    if permission == SIGNED_IN:
        status = client_for(personas["outsider"]).get(url).status_code
        assert status < 400 or status == 405, f"{url}: a signed-in person got {status}"  # 405: a form's target
        return

    assert client_for(personas["outsider"]).get(url).status_code == 404, f"{url}: another practice's member"
    for role in ("owner", "therapist", "front_desk"):
        response = client_for(personas[role]).get(url)
        status = response.status_code
        if role in PERMISSIONS[permission]:
            assert status not in (403, 500), f"{url}: {role} holds {permission} but got {status}"
            assert "no-store" in response.get("Cache-Control", ""), f"{url}: may be cached"
            if not _takes_object_id(pattern):
                assert status != 404, f"{url}: {role} got 404"
        else:
            assert status == 403, f"{url}: {role} lacks {permission} but got {status}"


def _takes_object_id(pattern) -> bool:
    return any(name != TENANT_URL_KWARG for name in _converters(pattern))


def _is_login_redirect(response) -> bool:
    login = reverse("practice:login")
    return response.status_code == 302 and response["Location"].startswith(f"{login}?{REDIRECT_FIELD_NAME}=")


def test_a_practice_that_does_not_exist_answers_like_one_that_is_not_yours(client_for, owner, practice):
    as_owner = client_for(owner)
    assert as_owner.get("/p/no-such-practice/").status_code == 404
    assert as_owner.get(f"/p/{practice.slug}/").status_code == 200
