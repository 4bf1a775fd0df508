"""Tenant querysets fail closed, and views run inside their practice's scope only."""

import pytest
from django_scopes import ScopeError, scope, scopes_disabled

from clients.models import Client
from practice.audit import audit_record
from practice.models import AuditEvent, Invitation


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Client, AuditEvent, Invitation])
def test_a_tenant_queryset_outside_a_practice_scope_raises(model):
    with pytest.raises(ScopeError):
        list(model.objects.all())


def test_inside_a_scope_a_query_sees_only_that_practice_without_naming_it(practice, other_practice):
    with scopes_disabled():
        Client.objects.create(practice=practice, first_name="Avery", last_name="Hollis")
        Client.objects.create(practice=other_practice, first_name="Blair", last_name="Ivers")
    with scope(practice=practice):
        assert [c.first_name for c in Client.objects.all()] == ["Avery"]
    with scope(practice=other_practice):
        assert [c.first_name for c in Client.objects.all()] == ["Blair"]


def test_a_view_sees_only_its_own_practice(client_for, owner, outsider, practice, other_practice):
    with scopes_disabled():
        audit_record(
            practice=other_practice,
            actor=outsider,
            action="view",
            record=Client.objects.create(practice=other_practice, first_name="Secret", last_name="Elsewhere"),
        )
    page = client_for(owner).get(f"/p/{practice.slug}/audit/")
    assert page.status_code == 200
    assert b"Secret Elsewhere" not in page.content
    assert [event.actor for event in page.context["page"]] == [owner]  # only the owner's own sign-in
