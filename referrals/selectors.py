"""Reads for partners: the board, the list with referral figures, contacts due."""

from datetime import timedelta

from django.db.models import Count, DecimalField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clients.timeline import Entry
from sessions.models import Appointment

from .models import OutgoingReferral, Partner, Referral


def partners_with_figures(*, practice, stage: str = "", kind: str = "", query: str = ""):
    """Partners with: clients referred, those clients' completed visits, the revenue of those visits
    (the services' prices) and the last referral date. One query, however many partners."""
    completed = Appointment.objects.filter(
        practice=practice, status=Appointment.Status.COMPLETED, client__referral__partner=OuterRef("pk")
    )
    visits = completed.values("client__referral__partner").annotate(n=Count("id")).values("n")
    revenue = completed.values("client__referral__partner").annotate(total=Sum("service__price")).values("total")
    partners = Partner.objects.filter(practice=practice).annotate(
        clients_referred=Count("referrals", distinct=True),
        last_referral=Max("referrals__created_at"),
        visits=Coalesce(Subquery(visits), Value(0)),
        revenue=Coalesce(Subquery(revenue), Value(0), output_field=DecimalField()),
    )
    if stage:
        partners = partners.filter(stage=stage)
    if kind:
        partners = partners.filter(kind=kind)
    if query:
        partners = partners.filter(Q(organisation__icontains=query) | Q(contact_name__icontains=query))
    return partners.order_by("organisation")


def board(*, practice) -> list[tuple[str, str, list[Partner]]]:
    """(stage, label, partners) columns, in pipeline order."""
    partners = list(Partner.objects.filter(practice=practice).order_by("organisation"))
    return [(stage, label, [p for p in partners if p.stage == stage]) for stage, label in Partner.Stage.choices]


def contacts_due(*, practice, within_days: int = 7):
    """Partners whose next contact is due within a week (or overdue), active courting first."""
    horizon = timezone.localdate(timezone=practice.zone) + timedelta(days=within_days)
    return (
        Partner.objects.filter(practice=practice, next_contact_on__lte=horizon)
        .exclude(stage__in=[Partner.Stage.NOT_A_FIT, Partner.Stage.PAUSED])
        .order_by("next_contact_on")
    )


def referrals_of(*, partner: Partner):
    return Referral.objects.filter(practice=partner.practice, partner=partner).select_related("client")


# --- The client's timeline (clients/timeline.py) ----------------------------------------------


def referrals_timeline(query) -> list[Entry]:
    """Where the client came from, and the partners we referred them to (when they agreed to be
    named): two queries."""
    came = Referral.objects.filter(practice=query.practice, client=query.client).select_related(
        "partner", "referring_client"
    )
    sent = OutgoingReferral.objects.filter(practice=query.practice, client=query.client).select_related("partner")
    url = reverse(
        "referrals:client-referral", kwargs={"practice_slug": query.practice.slug, "client_id": query.client.pk}
    )
    entries = [
        Entry(
            when=referral.created_at,
            title=_came_through(referral),
            detail=referral.request_message,
            url=url,
        )
        for referral in query.past(came, "created_at")
    ]
    entries += [
        Entry(
            when=query.day_start(outgoing.on),
            title=f"Referred to {outgoing.partner}",
            detail=outgoing.note,
            all_day=True,
        )
        for outgoing in query.past(sent, "on", days=True)
    ]
    return entries


def _came_through(referral: Referral) -> str:
    if referral.partner:
        return f"Referred by {referral.partner}"
    if referral.referring_client:
        return f"Referred by {referral.referring_client.display_name}, a client"
    return f"Came to us through {referral.get_stream_display().lower()}"
