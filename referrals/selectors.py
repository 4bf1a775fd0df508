"""Reads for partners: the board, the list with referral figures, contacts due."""

from datetime import timedelta

from django.db.models import Count, DecimalField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sessions.models import Appointment

from .models import Partner, Referral


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
