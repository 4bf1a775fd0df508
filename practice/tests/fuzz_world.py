"""The form fuzz sweep's world (practice/tests/test_form_fuzz.py): one practice with one of each object
a URL can name, made through the factories and the services, the real tokens of the public token
pages (minted the way the app mints them), and the answer to "which value goes into this URL
parameter" for every routed view.

Rows that views create lazily on first use (the vetting checklist, the phases and techniques,
follow-up settings, a visit's draft note) are created here up front: otherwise the first post to
such a view would look as if a refusal had written rows."""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import SimpleNamespace

from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope

from clients import services as client_services
from clients.models import Client, IntakeLink
from clients.tests.factories import ClientFactory
from library.links import article_url
from library.models import Article
from outbox.links import unsubscribe_token
from outbox.models import Channel, OutboxMessage, Purpose
from outbox.tests.factories import OutboxMessageFactory
from outreach.feedback import feedback_path
from outreach.followups import rebook_url, settings_for
from outreach.models import CallTask, Newsletter, ProgressReport, ReleaseAuthorisation, ReleaseRequest
from outreach.pdf import store_private
from outreach.reports import default_period, report_create, report_sign
from outreach.shares import share_code_context, share_link_context, share_send
from outreach.tests.factories import client_with_history
from practice import services as practice_services
from practice.models import Membership, SignInSession
from practice.tests.factories import MembershipFactory, PracticeFactory
from referrals.links import referral_url
from referrals.services import ensure_questions
from sessions.models import Appointment, CarePhase, SessionNote, TreatmentPlan, WaitlistOffer
from sessions.notes import ensure_practice_lists, note_for_visit, note_template_save
from sessions.services import calendar_feed_renew
from sessions.tests.factories import weekly_hours
from sessions.waitlist import offer_url, waitlist_entry_add

Role = Membership.Role

# --- Routes, as the resolver has them ---------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "referrals:partner-contact"
    pattern: str
    params: tuple  # URL parameter names, the enclosing includes' too
    callback: object


def routes(patterns=None, prefix="", namespace="", params=()) -> list[Route]:
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        names = tuple(entry.pattern.converters)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += routes(entry.url_patterns, prefix + str(entry.pattern), inner, params + names)
        elif isinstance(entry, URLPattern):
            found.append(
                Route(namespace + (entry.name or ""), prefix + str(entry.pattern), params + names, entry.callback)
            )
    return found


# --- The world ----------------------------------------------------------------------------------------


class UnfilledURLParameter(LookupError):
    """A routed URL names a parameter the world has no value for."""


@dataclass
class World:
    practice: object
    people: dict  # role -> user
    # URL parameter -> the value every view taking that parameter gets.
    by_param: dict
    # (route name, parameter) -> value, where a view needs an object in another state than the
    # default (a visit that has happened, a client who is a request, ...) for a post to reach its form.
    by_route: dict
    # Route name -> the real token its public page needs.
    tokens: dict
    # Route name -> the address of a page to GET first in the same browser (a password reset moves its
    # token into the session, then shows its form at .../set-password/). Made when needed: the
    # token depends on the last sign-in.
    primers: dict = field(default_factory=dict)
    # Form field name -> a value the world knows is right (a client signs with their own name).
    hints: dict = field(default_factory=dict)
    # Pages read for their forms besides every route's own page: (route name, URL parameters).
    extra_pages: list = field(default_factory=list)

    def url_kwargs(self, route_name: str, names) -> dict:
        return {name: self._value(route_name, name) for name in names}

    def _value(self, route_name: str, name: str):
        if (route_name, name) in self.by_route:
            return self.by_route[route_name, name]
        if name == "token":
            if route_name not in self.tokens:
                raise UnfilledURLParameter(
                    f"{route_name}: the fuzz world has no real token for this URL; mint one in "
                    "practice/tests/fuzz_world.py (TOKEN_MINTERS), the way the app mints it"
                )
            return self.tokens[route_name]
        if name not in self.by_param:
            raise UnfilledURLParameter(
                f"{route_name}: the fuzz world has no value for URL parameter {name!r}; "
                "add one to practice/tests/fuzz_world.py"
            )
        return self.by_param[name]


def build_world() -> World:
    """Build it inside a transaction that is rolled back, with PRIVATE_MEDIA_ROOT pointing at a
    temporary folder (a stand-in PDF is written there)."""
    practice = PracticeFactory(name="Fuzz Harbour Massage", slug="fuzz-harbour")
    people = {
        str(role): MembershipFactory(practice=practice, role=role, user__email=f"{role}@fuzz-harbour.example").user
        for role in (Role.OWNER, Role.THERAPIST, Role.FRONT_DESK)
    }
    with scope(practice=practice):
        made = _objects(practice, people)
        routed = {route.name for route in routes()}
        tokens = {name: mint(made) for name, mint in TOKEN_MINTERS.items() if name in routed}
        by_param, by_route = _by_param(made), _by_route(made)
    return World(
        practice=practice,
        people=people,
        by_param=by_param,
        by_route=by_route,
        tokens=tokens,
        primers={"practice:password-reset-confirm": lambda: _password_reset_url(made.owner)},
        hints={
            **dict.fromkeys(("signed_name", "confirm_name", "signature_name"), made.client.full_name),
            **dict.fromkeys(("consent_to_treatment", "consent"), "on"),  # the forms need them ticked
            "username": made.owner.email,  # sign in for real
            "referring_client_email": "",  # optional; a made-up address names nobody
            "code": made.share_code,  # the one-time code emailed to the partner
        },
        # The signed report's page has its send and revoke-link forms (report_id is the draft's there).
        extra_pages=[("outreach:report-detail", {"practice_slug": practice.slug, "report_id": made.ready.pk})],
    )


_SHARE_LINK = re.compile(r"/shared-reports/[\w-]+/([\w-]+)/")


def _objects(practice, people) -> SimpleNamespace:
    made = SimpleNamespace(practice=practice, **people)
    _create_lazy_rows(practice)
    made.hours = weekly_hours(practice, made.therapist)
    # Two completed visits with signed notes, an intake, a partner (with an email) and a signed release.
    made.client, made.partner = client_with_history(practice, made.therapist, visits=2)
    made.visit = Appointment.objects.filter(practice=practice, client=made.client).order_by("-starts_at").first()
    # "Too light": the signed note proposes a firmer pressure, so the pressure button has work to do.
    SessionNote.objects.filter(practice=practice, visit=made.visit).update(
        pressure_feedback=SessionNote.Feedback.TOO_LIGHT
    )
    made.upcoming = _upcoming_visit(practice, made.client, made.therapist, made.visit)
    note_template_save(note=note_for_visit(visit=made.upcoming, author=made.therapist), therapist=made.therapist)
    # An open request: the intake page offers the release as a checkbox that the signature signs.
    ReleaseRequest.objects.create(
        practice=practice,
        client=made.client,
        partner=made.partner,
        expires_on=timezone.localdate() + timedelta(days=365),
    )
    made.requested = ClientFactory(practice=practice, first_name="Requesting", status=Client.Status.REQUEST)
    made.draft, made.ready = _reports(practice, made.client, made.partner, made.therapist)
    made.share = share_send(report=made.ready, actor=made.therapist)
    # The link's token and the one-time code, minted as their emails mint them when they are sent
    # (each minting replaces the one before, so once each).
    made.share_token = _SHARE_LINK.search(share_link_context(made.share.outbox_message)["link"]).group(1)
    code_email = OutboxMessage(practice=practice, context={"share_id": str(made.share.pk)})
    made.share_code = share_code_context(code_email)["code"]
    made.invitation = practice_services.invitation_create(
        practice=practice, invited_by=made.owner, email="newcomer@fuzz-harbour.example", role=Role.THERAPIST
    )
    # A subscription for the front desk too: the sweep posts as them, and only a subscriber sees "revoke".
    calendar_feed_renew(practice=practice, therapist=made.front_desk)
    made.offer = _waitlist_offer(practice, made.therapist, made.upcoming)
    return made


def _by_param(made) -> dict:
    return {
        "practice_slug": made.practice.slug,
        "client_id": made.client.pk,
        "version_id": made.client.intake_versions.get().pk,
        "appointment_id": made.upcoming.pk,
        "membership_id": Membership.objects.get(practice=made.practice, user=made.therapist).pk,
        "invitation_id": made.invitation.pk,
        "partner_id": made.partner.pk,
        "report_id": made.ready.pk,
        "share_id": made.share.pk,
        "release_id": ReleaseAuthorisation.objects.get(practice=made.practice, client=made.client).pk,
        "newsletter_id": Newsletter.objects.create(
            practice=made.practice, subject="Spring hours", body_markdown="We open **early**.", created_by=made.owner
        ).pk,
        # Failed, so that both retry and cancel have work to do.
        "message_id": OutboxMessageFactory(
            practice=made.practice, status=OutboxMessage.Status.FAILED, attempts=5, last_error="SMTPServerDisconnected"
        ).pk,
        "task_id": _call_task(made.practice, made.client, made.front_desk).pk,
        "plan_id": _plan(made.practice, made.client, made.therapist).pk,
        "entry_id": made.offer.entry_id,
        "uidb64": urlsafe_base64_encode(force_bytes(made.owner.pk)),
        # The owner's own second factor and another browser of theirs, for their account page's forms.
        "device_id": TOTPDevice.objects.create(user=made.owner, name="Authenticator app", confirmed=True).pk,
        "session_id": SignInSession.objects.create(user=made.owner, session_key="fuzz-elsewhere").pk,
        # One of the library's default articles (every practice starts with them).
        "article_id": _article(made).pk,
    }


# Pages about the visit that has happened: checkout and the signed note.
_AFTER_THE_VISIT = [
    f"sessions:{name}"
    for name in (
        "checkout",
        "checkout-book",
        "checkout-series",
        "checkout-not-booked",
        "checkout-already-booked",
        "note",
        "note-addendum",
        "note-pressure",
    )
]


def _by_route(made) -> dict:
    return {
        **{(name, "appointment_id"): made.visit.pk for name in _AFTER_THE_VISIT},
        ("outreach:report-detail", "report_id"): made.draft.pk,  # the narrative form is a draft's
        ("referrals:request-done", "client_id"): made.requested.pk,
        ("sessions:setup-remove", "kind"): "hours",
        ("sessions:setup-remove", "item_id"): made.hours[0].pk,
        ("referrals:card", "kind"): "client",
        ("referrals:card", "item_id"): made.client.pk,
        # Django's reset view keeps its token in the session and shows its form at this address.
        ("practice:password-reset-confirm", "token"): "set-password",
    }


# --- Tokens, minted the way the app mints them --------------------------------------------------------


def _last_segment(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _outbox_url(practice, key_prefix: str) -> str:
    """The link in the context of the outbox row a service just queued."""
    message = OutboxMessage.objects.filter(practice=practice, idempotency_key__startswith=key_prefix).get()
    return message.context["url"]


def _intake_token(made) -> str:
    link = IntakeLink.objects.create(
        practice=made.practice,
        client=made.client,
        created_by=made.front_desk,
        expires_at=timezone.now() + timedelta(days=7),
    )
    return _last_segment(client_services.intake_link_url(link))


def _email_confirmation_token(made) -> str:
    client_services.email_confirmation_send(client=made.client)
    return _last_segment(_outbox_url(made.practice, f"email-confirm:{made.client.pk}:"))


TOKEN_MINTERS: dict[str, Callable] = {
    "clients:intake-self": _intake_token,
    "clients:email-confirm": _email_confirmation_token,
    "outreach:rebook": lambda made: _last_segment(rebook_url(made.visit)),
    "outreach:feedback": lambda made: _last_segment(feedback_path(made.visit)),
    "referrals:landing": lambda made: _last_segment(referral_url(client=made.client)),
    "outreach:unsubscribe": lambda made: unsubscribe_token(
        practice_id=made.practice.pk, channel=Channel.EMAIL, address=made.client.email, purpose=Purpose.MARKETING
    ),
    "sessions:waitlist-claim": lambda made: _last_segment(offer_url(made.offer)),
    "library:handout": lambda made: _last_segment(article_url(_article(made), made.visit)),
    "sessions:feed": lambda made: calendar_feed_renew(practice=made.practice, therapist=made.therapist),
    "practice:invitation-accept": lambda made: _last_segment(
        _outbox_url(made.practice, f"staff-invitation:{made.invitation.pk}")
    ),
    **dict.fromkeys(
        ("outreach:shared-report", "outreach:shared-report-pdf", "outreach:shared-report-other-pdf"),
        lambda made: made.share_token,
    ),
}


def _article(made) -> Article:
    return Article.objects.filter(practice=made.practice, published=True).order_by("title").first()


def _password_reset_url(owner) -> str:
    token = default_token_generator.make_token(owner)
    return reverse("practice:password-reset-confirm", args=[urlsafe_base64_encode(force_bytes(owner.pk)), token])


# --- Objects ------------------------------------------------------------------------------------------


def _create_lazy_rows(practice) -> None:
    ensure_practice_lists(practice)
    ensure_questions(practice)
    settings_for(practice)


def _upcoming_visit(practice, client, therapist, past_visit) -> Appointment:
    """A booked visit next week at ten, inside the therapist's hours."""
    day = timezone.localdate(timezone=practice.zone) + timedelta(days=7)
    starts = datetime.combine(day, time(10), tzinfo=practice.zone)
    return Appointment.objects.create(
        practice=practice,
        client=client,
        therapist=therapist,
        service=past_visit.service,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        blocked_until=starts + timedelta(hours=1, minutes=15),
    )


def _waitlist_offer(practice, therapist, upcoming) -> WaitlistOffer:
    """A client waiting for the upcoming visit's service, offered a free time the day after it."""
    entry = waitlist_entry_add(
        practice=practice,
        client=ClientFactory(practice=practice, first_name="Waiting"),
        service=upcoming.service,
        earliest=time(8),
        latest=time(18),
        until=timezone.localdate(timezone=practice.zone) + timedelta(days=28),
    )
    return WaitlistOffer.objects.create(
        practice=practice,
        entry=entry,
        client=entry.client,
        therapist=therapist,
        starts_at=upcoming.starts_at + timedelta(days=1),
        service=upcoming.service,
    )


STAND_IN_PDF = b"%PDF-1.4\n% a stand-in for a rendered progress report\n%%EOF\n"


def _reports(practice, client, partner, therapist) -> tuple[ProgressReport, ProgressReport]:
    """A draft, and a signed report marked as rendered with a stand-in PDF in private storage
    (WeasyPrint takes seconds, and no view reads more of the file than its bytes)."""
    start, end = default_period(practice)
    draft = report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)
    ready = report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)
    report_sign(report=ready, actor=therapist)
    ProgressReport.objects.filter(pk=ready.pk).update(
        status=ProgressReport.Status.READY,
        pdf_name=store_private(f"reports/{practice.pk}/{ready.pk}.pdf", STAND_IN_PDF),
        pdf_sha256=hashlib.sha256(STAND_IN_PDF).hexdigest(),
        rendered_at=timezone.now(),
    )
    ready.refresh_from_db()
    return draft, ready


def _call_task(practice, client, assignee) -> CallTask:
    return CallTask.objects.create(
        practice=practice,
        client_ref=client.pk,
        assigned_to=assignee,
        reason="followup",
        phone=client.phone,
        client_name=client.full_name,
        due_on=timezone.localdate(timezone=practice.zone),
    )


def _plan(practice, client, therapist) -> TreatmentPlan:
    return TreatmentPlan.objects.create(
        practice=practice,
        client=client,
        phase=CarePhase.objects.filter(practice=practice).first(),
        sessions_planned=4,
        within_days=10,
        starts_on=timezone.localdate(timezone=practice.zone),
        created_by=therapist,
    )
