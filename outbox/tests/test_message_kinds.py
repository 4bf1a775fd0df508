"""Every message kind is declared once, with its purpose and templates, and `manage.py check` proves
each declared kind can be sent."""

import pytest

from outbox.checks import message_kinds_can_be_sent
from outbox.kinds import KINDS, MessageKind, register_kind
from outbox.models import Channel, Purpose
from outbox.services import enqueue


def test_the_declared_kinds_pass_the_check():
    assert len(KINDS) >= 15 and message_kinds_can_be_sent() == []


def test_a_kind_without_templates_or_a_sender_fails_the_check(monkeypatch):
    monkeypatch.setitem(KINDS, "postcard", MessageKind("postcard", Purpose.MARKETING, channels=(Channel.EMAIL, "fax")))
    problems = [(problem.id, problem.msg) for problem in message_kinds_can_be_sent()]
    assert ("outbox.E001", "Message kind 'postcard' goes by fax, which has no sender.") in problems
    missing = {msg.rsplit(" ", 1)[-1] for problem_id, msg in problems if problem_id == "outbox.E002"}
    assert missing == {"emails/postcard.subject.txt.", "emails/postcard.txt.", "emails/postcard.html."}


def test_a_kind_is_declared_once(monkeypatch):
    monkeypatch.setitem(KINDS, "followup", KINDS["followup"])
    with pytest.raises(ValueError, match="declared twice"):
        register_kind(MessageKind("followup", Purpose.MARKETING))


def test_a_message_goes_only_by_its_kinds_channels(practice):
    with pytest.raises(ValueError, match="does not go by call"):
        enqueue(practice=practice, kind=KINDS["newsletter"], channel=Channel.CALL, address="+1", idempotency_key="x")
