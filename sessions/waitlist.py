"""The waitlist: clients waiting for a time that suits them better, and the offers of freed times.

When a visit is cancelled or moved away from its time (sessions.signals.slot_freed), the time is
offered, in the same transaction, to the clients waiting for one like it: the first
OFFERS_PER_SLOT by waiting since, whose service fits in the freed time, whose therapist is that one
or anyone, whose weekdays and hours of the day suit, whose last day is not past, and who can reach
the practice in time (the slot starts OFFER_NOTICE or more from now). The link books until
WAITLIST_CLAIM_CLOSES (sessions.models) before the time. Each gets an email with a
signed link; the first to claim books the time through appointment_book, so the database's
exclusion constraint decides a race, and the others see it is taken and stay on the list."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django_scopes import scope

from clients.contact import client_route
from clients.models import Client
from outbox.kinds import MessageKind, register_kind
from outbox.models import OutboxMessage, Purpose
from outbox.services import enqueue
from practice.tokens import claimed_practice, signed_for_practice

from .models import Appointment, WaitlistEntry, WaitlistOffer
from .services import SlotTaken, _clash, appointment_book, lost_booking, through_races

Outcome = WaitlistOffer.Outcome
Entry = WaitlistEntry.Status

# A client needs time to read the email, get ready and travel: a time that starts sooner than
# this is offered to no one (the desk phones round for it instead).
OFFER_NOTICE = timedelta(hours=2)
# How many waiting clients one freed time is offered to, longest waiting first: enough that someone
# is likely to take it, few enough that most who open the link still find it free.
OFFERS_PER_SLOT = 5

OFFER_SALT = "sessions.waitlist-offer"


# --- Entries ------------------------------------------------------------------------------------


def waitlist_entry_add(
    *, practice, client, service, therapist=None, weekdays=(), earliest, latest, until, note="", actor=None
) -> WaitlistEntry:
    """Put `client` on the practice's waitlist for `service` (with `therapist`, or anyone)."""
    entry = WaitlistEntry(
        practice=practice,
        client=client,
        service=service,
        therapist=therapist,
        weekdays=sorted(set(weekdays)),
        earliest=earliest,
        latest=latest,
        until=until,
        note=note,
        created_by=actor,
    )
    if until < timezone.localdate(timezone=practice.zone):
        raise ValidationError("The last day that suits cannot be in the past.")
    entry.full_clean()
    entry.save()
    return entry


def waitlist_entry_remove(*, entry: WaitlistEntry) -> WaitlistEntry:
    """Take the entry off the list; its open offers are withdrawn (their links say so)."""
    if entry.status != Entry.ACTIVE:
        raise ValidationError("This client is no longer waiting.")
    with transaction.atomic():
        entry.status, entry.closed_at = Entry.REMOVED, timezone.now()
        entry.save(update_fields=["status", "closed_at"])
        _close_offers(entry.offers.filter(practice=entry.practice), Outcome.WITHDRAWN)
    return entry


def _close_offers(offers, outcome: str) -> int:
    return offers.filter(outcome=Outcome.OFFERED).update(outcome=outcome, answered_at=timezone.now())


# --- Offering a freed time ----------------------------------------------------------------------


@dataclass(frozen=True)
class FreedSlot:
    practice: object
    therapist_id: int
    starts_at: datetime
    blocked_until: datetime  # the freed time ends here (the visit's end plus its buffer)
    freed_by: Appointment | None = None

    @property
    def minutes(self) -> int:
        return int((self.blocked_until - self.starts_at).total_seconds() // 60)


def matching_entries(slot: FreedSlot, *, now=None) -> list[WaitlistEntry]:
    """Active entries the freed slot suits, longest waiting first (not yet checked against the
    calendar, nor bounded): the service fits in the freed time, the therapist is the slot's or
    anyone, the weekday and the hours suit, the last day is not past, the client is not the one
    whose visit freed it, has an email address and has had no offer of this slot yet. Nothing
    suits when the slot starts sooner than OFFER_NOTICE from `now`."""
    practice, now = slot.practice, now or timezone.now()
    if slot.starts_at < now + OFFER_NOTICE:
        return []
    local = timezone.localtime(slot.starts_at, practice.zone)
    entries = (
        WaitlistEntry.objects.filter(
            Q(therapist__isnull=True) | Q(therapist_id=slot.therapist_id),
            Q(weekdays=[]) | Q(weekdays__contains=[local.weekday()]),
            practice=practice,
            status=Entry.ACTIVE,
            until__gte=local.date(),
            earliest__lte=local.time(),
            service__active=True,
            client__status=Client.Status.ACTIVE,
        )
        .exclude(client__email="")
        .exclude(
            client__in=WaitlistOffer.objects.filter(
                practice=practice, therapist_id=slot.therapist_id, starts_at=slot.starts_at
            ).values("client")
        )
        .select_related("client", "service")
        .order_by("created_at")
    )
    if slot.freed_by is not None:
        entries = entries.exclude(client_id=slot.freed_by.client_id)
    return [entry for entry in entries if _fits(entry, slot, local)]


def _fits(entry: WaitlistEntry, slot: FreedSlot, local: datetime) -> bool:
    """The entry's service (and its buffer) fits in the freed time, and its visit ends in the hours."""
    service = entry.service
    ends = local + timedelta(minutes=service.duration_minutes)
    within_hours = ends.date() == local.date() and ends.time() <= entry.latest
    return within_hours and service.duration_minutes + service.buffer_after_minutes <= slot.minutes


def waitlist_offer_slot(*, slot: FreedSlot, actor=None) -> list[WaitlistOffer]:
    """Offer the freed slot to at most OFFERS_PER_SLOT matching clients, each by an email with a
    signed link, in the caller's transaction. A client whose service no longer fits (the time was
    partly booked again meanwhile) is passed over for the next one."""
    offers = []
    free_for = {}  # service id -> whether its visit fits in the calendar now
    for entry in matching_entries(slot):
        if len(offers) == OFFERS_PER_SLOT:
            break
        if entry.service_id not in free_for:
            ends = slot.starts_at + timedelta(
                minutes=entry.service.duration_minutes + entry.service.buffer_after_minutes
            )
            free_for[entry.service_id] = not _clash(
                practice=slot.practice, therapist_id=slot.therapist_id, starts_at=slot.starts_at, blocked_until=ends
            )
        if free_for[entry.service_id] and (offer := _offer(entry, slot, actor=actor)) is not None:
            offers.append(offer)
    return offers


def _offer(entry: WaitlistEntry, slot: FreedSlot, *, actor=None) -> WaitlistOffer | None:
    """One offer and its email; None when another transaction offered this client the slot first."""
    try:
        with transaction.atomic():  # a savepoint: losing the unique constraint leaves the caller's work
            offer = WaitlistOffer.objects.create(
                practice=slot.practice,
                entry=entry,
                client=entry.client,
                therapist_id=slot.therapist_id,
                starts_at=slot.starts_at,
                service=entry.service,
                freed_by=slot.freed_by,
            )
    except IntegrityError:
        return None
    route = client_route(client=entry.client, kind=WAITLIST_OFFER)
    if route is not None:
        channel, address = route
        offer.message = enqueue(
            practice=slot.practice,
            kind=WAITLIST_OFFER,
            channel=channel,
            address=address,
            client_ref=entry.client_id,
            created_by=actor,
            idempotency_key=f"waitlist-offer:{offer.pk}",
            context={"offer_id": str(offer.pk), **_email_context(offer)},
        )
        offer.save(update_fields=["message"])
    return offer


def offer_freed_time(sender, *, visit: Appointment, therapist_id, starts_at, blocked_until, actor=None, **kwargs):
    """Receiver of sessions.signals.slot_freed."""
    slot = FreedSlot(visit.practice, therapist_id, starts_at, blocked_until, freed_by=visit)
    waitlist_offer_slot(slot=slot, actor=actor)


# --- The email and its link ---------------------------------------------------------------------


def offer_url(offer: WaitlistOffer) -> str:
    token = signed_for_practice({"o": str(offer.pk)}, practice_id=offer.practice_id, salt=OFFER_SALT)
    return settings.SITE_URL + reverse("sessions:waitlist-claim", args=[token])


def offer_from_token(token: str) -> WaitlistOffer | None:
    """The offer a link was signed for, read in the practice the link names; None for a forged,
    altered or unknown link. (Whether it can still be claimed is claim_state's question.)"""
    try:
        claim = signing.loads(token, salt=OFFER_SALT)
    except signing.BadSignature:
        return None
    practice = claimed_practice(claim)
    if practice is None or not isinstance(claim.get("o"), str):
        return None
    with scope(practice=practice):
        related = ("practice", "client", "entry", "therapist", "service", "booked")
        return WaitlistOffer.objects.select_related(*related).filter(practice=practice, pk=claim["o"]).first()


def _email_context(offer: WaitlistOffer) -> dict:
    zone = offer.practice.zone
    client = offer.client
    return {
        "first_name": client.preferred_name or client.first_name,
        "when": formats.date_format(timezone.localtime(offer.starts_at, zone), "l j F Y, H:i"),
        "service": offer.service.name,
        "therapist": offer.therapist.first_name or str(offer.therapist),
        "closes": formats.date_format(timezone.localtime(offer.closes_at, zone), "l j F, H:i"),
        "url": offer_url(offer),
    }


def offer_skip_reason(message: OutboxMessage) -> str:
    """At send time: an offer that was taken, withdrawn or has closed is not sent."""
    offer = WaitlistOffer.objects.filter(practice=message.practice, pk=message.context.get("offer_id")).first()
    if offer is None:
        return "The offer no longer exists."
    if offer.outcome != Outcome.OFFERED:
        return f"The offer is {offer.get_outcome_display().lower()}."
    if offer.closes_at <= timezone.now():
        return "The offered time is too close to send the offer now."
    return ""


WAITLIST_OFFER = register_kind(MessageKind("waitlist_offer", Purpose.TRANSACTIONAL, skip_check=offer_skip_reason))


# --- Claiming -----------------------------------------------------------------------------------


class OfferClosed(Exception):
    """The offer cannot be claimed; `state` says why (a claim_state value)."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


# What the claim page says, by state.
OPEN, BOOKED, TAKEN, EXPIRED, WITHDRAWN, BOOKED_ELSEWHERE = (
    "open",
    "booked",
    "taken",
    "expired",
    "withdrawn",
    "booked_elsewhere",
)


def claim_state(offer: WaitlistOffer, *, now=None) -> str:
    """Where the offer stands for its client: OPEN to claim, or why not."""
    if offer.outcome == Outcome.CLAIMED:
        return BOOKED
    if offer.outcome == Outcome.TAKEN:
        return TAKEN
    if offer.entry.status == Entry.BOOKED:
        return BOOKED_ELSEWHERE
    if offer.outcome == Outcome.WITHDRAWN or offer.entry.status == Entry.REMOVED:
        return WITHDRAWN
    if offer.outcome == Outcome.EXPIRED or offer.closes_at <= (now or timezone.now()):
        return EXPIRED
    return OPEN


def waitlist_offer_claim(*, offer: WaitlistOffer) -> Appointment:
    """Book the offered time for the offer's client, once. The client's entry is locked, so two of
    their offers cannot both book; two clients claiming the same time are decided by the booking
    service's exclusion constraint. Raises OfferClosed (booked, withdrawn, expired) or SlotTaken,
    after which the offer is marked taken and the client stays on the list."""
    practice = offer.practice

    def claim():
        with transaction.atomic():
            entry = WaitlistEntry.objects.select_for_update().get(practice=practice, pk=offer.entry_id)
            offer.refresh_from_db(fields=["outcome"])
            offer.entry = entry
            if (state := claim_state(offer)) != OPEN:
                raise OfferClosed(state)
            booked = appointment_book(
                practice=practice,
                client=offer.client,
                therapist=offer.therapist,
                service=offer.service,
                starts_at=offer.starts_at,
            )
            now = timezone.now()
            offer.outcome, offer.booked, offer.answered_at = Outcome.CLAIMED, booked, now
            offer.save(update_fields=["outcome", "booked", "answered_at"])
            entry.status, entry.booked, entry.closed_at = Entry.BOOKED, booked, now
            entry.save(update_fields=["status", "booked", "closed_at"])
            _close_offers(entry.offers.filter(practice=practice).exclude(pk=offer.pk), Outcome.WITHDRAWN)
            return booked

    def lost(why):
        return lost_booking(practice, offer.service, offer.therapist_id, offer.starts_at, why=why)

    try:
        booked = through_races(claim, lost=lost)
    except SlotTaken:
        _close_offers(WaitlistOffer.objects.filter(practice=practice, pk=offer.pk), Outcome.TAKEN)
        raise
    except OfferClosed as closed:
        if closed.state == EXPIRED:
            _close_offers(WaitlistOffer.objects.filter(practice=practice, pk=offer.pk), Outcome.EXPIRED)
        raise
    # After the winner's commit (never inside it: a loser holds its own entry's lock meanwhile),
    # the other offers of the time say it is taken.
    same_slot = WaitlistOffer.objects.filter(
        practice=practice, therapist_id=offer.therapist_id, starts_at=offer.starts_at
    )
    _close_offers(same_slot.exclude(pk=offer.pk), Outcome.TAKEN)
    return booked
