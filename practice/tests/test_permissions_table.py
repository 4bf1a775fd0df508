"""The role -> permission table is policy: the sweep checks that views enforce it, this pins what it
says, so widening a permission is a deliberate, reviewed change."""

import pytest

from practice.models import Membership
from practice.permissions import PERMISSIONS, perms_for_role, role_has_perm

Role = Membership.Role


def test_the_policy_is_what_the_practice_expects():
    assert perms_for_role(Role.OWNER) == set(PERMISSIONS)
    everyone = {
        "practice.view",
        "clients.view",
        "clients.edit",
        "intake.send",
        "calendar.view",
        "appointments.book",
        "calls.work",
        "referrals.attribute",
    }
    assert perms_for_role(Role.THERAPIST) == everyone | {
        "intake.view",
        "intake.edit",
        "notes.view",
        "notes.write",
        "releases.manage",
        "reports.manage",
        "library.view",  # the practice's articles, to attach to notes (the owner alone writes them)
    }
    assert perms_for_role(Role.FRONT_DESK) == everyone | {"outbox.view", "outbox.manage", "figures.view"}


def test_an_unknown_permission_is_a_programming_error():
    with pytest.raises(LookupError, match="practice/permissions.py"):
        role_has_perm(Role.OWNER, "no.such.permission")
