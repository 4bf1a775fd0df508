"""The record sweep: every routed view whose permission reaches a client's health record
(practice.permissions.CLIENT_RECORD_PERMISSIONS), found through the resolver as the permission sweep
finds them, opened with REAL objects of one client (the form fuzz's world: visits, signed notes, a
plan, an intake, a release, reports and a link) under both of the practice's note-access settings:

- every therapist's record, "all": a therapist who never saw the client is let through;
- their own clients', "own": that therapist is refused with the page that offers emergency access
  (a list whose URL names no client is let through, without the client's rows), while the therapist
  who treats the client and the owner are let through;
- after emergency access, the therapist is let through and each request is marked in the audit log.

A record URL whose arguments no app registered a client key for, or that the world cannot fill,
fails: a new record view is covered the moment it is routed. The world is built once per test
process in a transaction rolled back when the module is done; each test runs inside it."""

from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django_scopes import scope

from clients.models import Client as ClientRecord
from clients.record_access import understood
from clients.services import emergency_access_grant
from practice.access import declared_permission
from practice.models import AuditEvent, Membership, Practice
from practice.permissions import CLIENT_RECORD_PERMISSIONS
from practice.tests.factories import MembershipFactory
from practice.tests.fuzz_world import build_world, routes

pytestmark = pytest.mark.django_db

RECORD_ROUTES = [route for route in routes() if declared_permission(route.callback) in CLIENT_RECORD_PERMISSIONS]
# The one record view the rule lets through: it is how a refused therapist asks for emergency access.
BREAKS_GLASS = {route.name for route in RECORD_ROUTES if getattr(route.callback, "breaks_glass", False)}
SWEPT = [route for route in RECORD_ROUTES if route.name not in BREAKS_GLASS]
REASON = "Covering for a colleague who is off sick; the client is on my table now."


def test_the_sweep_covers_every_record_view_and_each_names_its_client():
    assert BREAKS_GLASS == {"clients:emergency-access"}
    assert len(SWEPT) >= 25  # intake, notes, plans, progress, releases, reports
    unregistered = {route.name: understood(route.params)[1] for route in SWEPT if understood(route.params)[1]}
    assert not unregistered, (
        f"record URLs with arguments no app said whose record they name: {unregistered}; register them with "
        "clients.record_access.register_client_key (or register_nested_key) in the owning app's AppConfig.ready"
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    private_files = override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("record-private"))
    with private_files, django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        practice = built.practice
        stranger = MembershipFactory(
            practice=practice, role=Membership.Role.THERAPIST, user__email="stranger@fuzz-harbour.example"
        ).user
        with scope(practice=practice):
            urls = {
                route.name: reverse(route.name, kwargs=built.url_kwargs(route.name, route.params)) for route in SWEPT
            }
            client = ClientRecord.objects.get(practice=practice, pk=built.by_param["client_id"])
        yield SimpleNamespace(
            practice=practice,
            client=client,
            name=client.display_name,
            urls=urls,
            stranger=stranger,
            treating=built.people["therapist"],  # every visit of the world's client is with them
            owner=built.people["owner"],
        )
        transaction.set_rollback(True)


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _set(world, value) -> None:
    Practice.objects.filter(pk=world.practice.pk).update(therapist_note_access=value)


LISTS = {route.name for route in SWEPT if route.params == ("practice_slug",)}  # their URL names no client


def _is_list(name: str) -> bool:
    return name in LISTS


def _sweep(world, user, check) -> None:
    browser, failures = _browser(user), []
    for name, url in world.urls.items():
        response = browser.get(url)
        problem = check(name, url, response)
        if response.status_code >= 500:
            problem = f"answered {response.status_code}"
        if problem:
            failures.append(f"{name} ({url}): {problem}")
    assert not failures, "\n".join(failures)


def _shows_the_client(world, response) -> bool:
    return world.name in response.content.decode(errors="replace")


def test_under_every_clients_record_a_therapist_who_never_saw_the_client_is_let_through(world):
    _set(world, Practice.NoteAccess.ALL_CLIENTS)

    def check(name, url, response):
        if response.status_code == 403:
            return "refused"
        if _is_list(name) and not _shows_the_client(world, response):
            return f"a record list that does not show {world.name}'s rows: the sweep cannot tell it filters them"

    _sweep(world, world.stranger, check)


def test_under_own_clients_a_therapist_who_never_saw_the_client_is_refused_and_offered_emergency_access(world):
    _set(world, Practice.NoteAccess.OWN_CLIENTS)
    grant_url = reverse(
        "clients:emergency-access", kwargs={"practice_slug": world.practice.slug, "client_id": world.client.pk}
    )

    def check(name, url, response):
        text = response.content.decode(errors="replace")
        if _is_list(name):
            if response.status_code != 200 or _shows_the_client(world, response):
                return f"a list that should leave out {world.name}'s rows answered {response.status_code}"
            return None
        if response.status_code != 403:
            return f"let through ({response.status_code})"
        if f'action="{grant_url}"' not in text or f'name="next" value="{url}"' not in text:
            return "refused without the emergency access form"

    _sweep(world, world.stranger, check)
    with scope(practice=world.practice):
        assert not AuditEvent.objects.filter(
            practice=world.practice, action=AuditEvent.Action.EMERGENCY_ACCESS
        ).exists()


@pytest.mark.parametrize("who", ["treating", "owner"])
def test_under_own_clients_the_treating_therapist_and_the_owner_are_let_through(world, who):
    _set(world, Practice.NoteAccess.OWN_CLIENTS)

    def check(name, url, response):
        if response.status_code == 403:
            return "refused"
        if _is_list(name) and not _shows_the_client(world, response):
            return f"the list left out {world.name}'s rows"

    _sweep(world, getattr(world, who), check)


def test_emergency_access_lets_the_therapist_through_and_marks_every_request_in_the_audit_log(world):
    _set(world, Practice.NoteAccess.OWN_CLIENTS)
    with scope(practice=world.practice):
        emergency_access_grant(client=world.client, actor=world.stranger, reason=REASON)
        marks = AuditEvent.objects.filter(practice=world.practice, action=AuditEvent.Action.EMERGENCY_ACCESS)

        def check(name, url, response):
            if response.status_code == 403:
                return "refused under emergency access"
            if _is_list(name):
                return None if _shows_the_client(world, response) else f"the list left out {world.name}'s rows"
            last = marks.order_by("-at").first()
            if last is None or not last.detail.endswith(f"{name} under emergency access"):
                return f"not marked in the audit log (last: {last and last.detail!r})"
            if last.actor_id != world.stranger.pk or last.record_id != str(world.client.pk):
                return "marked for the wrong person or record"

        _sweep(world, world.stranger, check)
        object_urls = [name for name in world.urls if not _is_list(name)]
        assert marks.filter(detail__contains="under emergency access").count() == len(object_urls)
