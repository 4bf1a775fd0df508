"""The calendar, booking, the appointment's life (arrive, complete, move, cancel), the checkout
screen and schedule setup."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_scopes import scope

from clients.selectors import client_get, client_get_or_none, client_search
from practice.access import PUBLIC, requires
from practice.actions import attempt
from practice.parsing import read_date, read_datetime, read_local_datetime, read_uuid

from . import grid, selectors, services
from .availability import Slot, open_slots
from .checkout import checkout_options
from .forms import (
    BookAtForm,
    CancelForm,
    CarePhaseForm,
    CompleteForm,
    FindTimeForm,
    MoveForm,
    NotBookedForm,
    RoomForm,
    SeriesForm,
    ServiceForm,
    TechniqueForm,
    TimeOffForm,
    WorkingHoursForm,
)
from .ics import feed_ics
from .models import (
    Appointment,
    CalendarFeed,
    CarePhase,
    Room,
    Service,
    Technique,
    TimeOff,
    WorkingHours,
)
from .notes import approved_summary, ensure_practice_lists
from .warnings import BookingWarning, confirmation, warnings_to_confirm


def _day_param(request, practice) -> date:
    return read_date(request.GET.get("date", "")) or timezone.localdate(timezone=practice.zone)


# --- Calendar -----------------------------------------------------------------------------------


@requires("calendar.view")
def day(request, practice_slug):
    """The day as a grid: a column per therapist (book from a free time, move by dragging), or per
    room with ?view=rooms."""
    practice = request.practice
    shown = _day_param(request, practice)
    by_room = request.GET.get("view") == "rooms"
    shown_grid = (grid.day_by_room if by_room else grid.day_by_therapist)(practice=practice, day=shown)
    can_book = request.membership.has_perm("appointments.book")
    return render(
        request,
        "sessions/day.html",
        {
            "day": shown,
            "today": timezone.localdate(timezone=practice.zone),
            "previous": shown - timedelta(days=1),
            "next": shown + timedelta(days=1),
            "grid": shown_grid,
            "by_room": by_room,
            "view_param": "&view=rooms" if by_room else "",
            "book_url": reverse("sessions:book-at", args=[practice.slug]) if can_book and not by_room else "",
            "movable": can_book and not by_room,  # a room's column names no therapist to move to
        },
    )


@requires("calendar.view")
def week(request, practice_slug):
    """A person's week as a grid, a column per day."""
    practice = request.practice
    shown = _day_param(request, practice)
    monday = shown - timedelta(days=shown.weekday())

    def choose(people):
        """The person asked for, else the signed-in person if they take appointments, else the first."""
        asked = next((p for p in people if str(p.pk) == request.GET.get("therapist")), None)
        return asked or next((p for p in people if p.pk == request.user.pk), people[0] if people else None)

    people, chosen, week_grid = grid.week_of_therapist(practice=practice, monday=monday, choose=choose)
    can_book = request.membership.has_perm("appointments.book")
    return render(
        request,
        "sessions/week.html",
        {
            "therapist": chosen,
            "therapists": people,
            "monday": monday,
            "today": timezone.localdate(timezone=practice.zone),
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "grid": week_grid,
            "book_url": reverse("sessions:book-at", args=[practice.slug]) if can_book else "",
            "movable": can_book,
        },
    )


@requires("appointments.book")
def book_at(request, practice_slug):
    """Book from a free time on the calendar: the therapist and time come from the cell; the desk
    finds the client and picks the service."""
    practice = request.practice
    if request.htmx and request.method == "GET":  # the client search, as the desk types
        return render(request, "sessions/_client_choices.html", _client_choices(request, practice))
    people = selectors.therapists(practice=practice)
    at = read_local_datetime(request.GET.get("at", ""), practice.zone) or timezone.now()
    local = timezone.localtime(at, practice.zone)
    initial = {"therapist": request.GET.get("therapist"), "day": local.date(), "start": local.time()}
    form = BookAtForm(request.POST or None, practice=practice, therapists=people, initial=initial)
    warnings = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        therapist = next(p for p in people if p.pk == data["therapist"])
        starts_at = form.starts_at(practice.zone)
        warnings = warnings_to_confirm(
            practice=practice,
            client=data["client"],
            therapist=therapist,
            service=data["service"],
            starts_at=starts_at,
            confirm=data["confirm"],
        )
        booked = None
        try:
            if not warnings:
                booked = services.appointment_book(
                    practice=practice,
                    client=data["client"],
                    therapist=therapist,
                    service=data["service"],
                    starts_at=starts_at,
                    actor=request.user,
                )
        except services.SlotTaken as taken:
            form.add_error(None, str(taken))
        except ValidationError as error:
            form.add_error(None, error)
        if booked:
            when = timezone.localtime(booked.starts_at, practice.zone)
            messages.success(request, f"Booked {data['client']} with {therapist} at {when:%H:%M}.")
            return redirect(f"{reverse('sessions:day', args=[practice.slug])}?date={when:%Y-%m-%d}")
    # With warnings, the page shows them and a "Book anyway" button that posts the same booking confirmed.
    context = {"form": form, "warnings": warnings, "confirm": confirmation(warnings)}
    context |= _client_choices(request, practice, chosen=form["client"].value())
    return render(request, "sessions/book_at.html", context, status=400 if form.errors else 200)


def _client_choices(request, practice, chosen=None) -> dict:
    """Up to eight clients matching the search, the chosen one first."""
    query = request.GET.get("q", "").strip()
    found = list(client_search(practice=practice, query=query)[:8]) if query else []
    picked = client_get_or_none(practice=practice, client_id=chosen) if chosen else None
    if picked and picked not in found:
        found.insert(0, picked)
    return {"query": query, "clients": found, "chosen": str(chosen or "")}


@require_POST
@requires("appointments.book")
def calendar_move(request, practice_slug):
    """A visit dragged (or moved by keyboard) on the calendar to another time or person. Answers
    JSON {moved, message}: a refusal the desk must read (the time is taken, the visit is no longer
    booked) is an answer like a move, not an error; 400 only for what cannot be read."""
    practice = request.practice
    pk = read_uuid(request.POST.get("appointment"))
    visit = Appointment.objects.select_related("client", "service").filter(practice=practice, pk=pk).first()
    if visit is None:
        return JsonResponse({"message": "That visit no longer exists; reload the calendar."}, status=400)
    people = selectors.therapists(practice=practice)
    form = MoveForm(request.POST, therapists=people)
    if not form.is_valid():
        return JsonResponse({"message": "That time could not be read; try again."}, status=400)
    therapist = next(person for person in people if person.pk == form.cleaned_data["therapist"])
    pending = warnings_to_confirm(
        practice=practice,
        client=visit.client,
        therapist=therapist,
        service=visit.service,
        starts_at=form.starts_at(practice.zone),
        confirm=form.cleaned_data["confirm"],
        exclude_id=visit.pk,
    )
    if pending:  # the calendar asks, and sends the move again with `confirm`
        return JsonResponse(
            {"moved": False, "warnings": [w.message for w in pending], "confirm": confirmation(pending)}
        )
    try:
        moved = services.appointment_move(
            appointment=visit, starts_at=form.starts_at(practice.zone), therapist=therapist, actor=request.user
        )
    except services.SlotTaken as taken:
        return JsonResponse({"moved": False, "message": str(taken)})
    except ValidationError as error:
        return JsonResponse({"moved": False, "message": " ".join(error.messages)})
    when = timezone.localtime(moved.starts_at, practice.zone)
    message = f"Moved to {when:%A %-d %B} at {when:%H:%M} with {therapist}."
    return JsonResponse({"moved": True, "message": message})


@requires("calendar.view")
def quick_actions(request, practice_slug, appointment_id):
    """The quick actions of a visit on the calendar (arrived, completed, no-show, late cancel, cancel
    with a reason), shown in a dialog; each form comes back to the calendar it was opened from."""
    visit = selectors.appointment_get(practice=request.practice, appointment_id=appointment_id)
    back = request.GET.get("next", "")
    return render(
        request,
        "sessions/_quick_actions.html",
        {
            "visit": visit,
            "back": back if _on_this_site(back) else "",
            "cancel_reasons": Appointment.CancelReason.choices,
        },
    )


@requires("calendar.view")
def today(request, practice_slug):
    practice = request.practice
    return render(
        request,
        "sessions/today.html",
        {
            "appointments": selectors.today_for(practice=practice, therapist_id=request.user.pk),
            "has_feed": CalendarFeed.objects.filter(
                practice=practice, therapist=request.user, revoked_at__isnull=True
            ).exists(),
        },
    )


@require_POST
@requires("calendar.view")
def feed_renew(request, practice_slug):
    """A new private subscription URL for the signed-in person's own appointments (the old one stops)."""
    token = services.calendar_feed_renew(practice=request.practice, therapist=request.user)
    url = request.build_absolute_uri(reverse("sessions:feed", args=[token]))
    messages.success(request, f"Your new calendar address (shown once; the old one no longer works): {url}")
    return redirect("sessions:today", practice_slug=practice_slug)


@require_POST
@requires("calendar.view")
def feed_revoke(request, practice_slug):
    services.calendar_feed_revoke(practice=request.practice, therapist=request.user)
    messages.success(request, "Your calendar address no longer works.")
    return redirect("sessions:today", practice_slug=practice_slug)


@requires(PUBLIC)
def feed(request, token):
    """The subscription itself: 30 days back to 90 ahead, first name and initial only."""
    subscription = services.calendar_feed_by_token(token)
    if subscription is None:
        raise Http404("No such calendar.")
    practice = subscription.practice
    now = timezone.now()
    with scope(practice=practice):
        appointments = Appointment.objects.filter(
            practice=practice,
            therapist=subscription.therapist,
            status__in=Appointment.ACTIVE,
            starts_at__gte=now - timedelta(days=30),
            starts_at__lt=now + timedelta(days=90),
        ).select_related("client", "service")
        body = feed_ics(practice=practice, appointments=appointments)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


# --- Booking ------------------------------------------------------------------------------------


@requires("appointments.book")
def book(request, practice_slug, client_id):
    """Find a time for a client (service, therapist or anyone, from a day) and book one click."""
    client = client_get(practice=request.practice, client_id=client_id)
    context = _booking_page(request, client, request.GET or None)
    return render(request, "sessions/_slots.html" if request.htmx else "sessions/book.html", context)


def _booking_page(request, client, search, *, lost: services.SlotTaken | None = None, warned=None) -> dict:
    practice = request.practice
    people = selectors.therapists(practice=practice)
    form = FindTimeForm(
        search, practice=practice, therapists=people, initial={"day": timezone.localdate(timezone=practice.zone)}
    )
    slots = []
    if form.is_valid():
        data = form.cleaned_data
        slots = open_slots(
            practice=practice,
            service=data["service"],
            therapist_id=data["therapist"],
            start=data["day"],
            end=data["day"] + timedelta(days=6),
            limit=40,
        )
    names = {p.pk: str(p) for p in people}
    return {"client": client, "form": form, "slots": slots, "names": names, "lost": lost, "warned": warned}


@dataclass(frozen=True)
class Warned:
    """A time not saved yet, with what to confirm first: the page shows the warnings and a button
    that sends the same time again with `confirm`."""

    slot: Slot
    service: Service
    therapist_name: str
    warnings: list[BookingWarning]

    @classmethod
    def of(cls, *, service, therapist, starts_at, warnings) -> "Warned":
        ends_at = starts_at + timedelta(minutes=service.duration_minutes)
        return cls(Slot(therapist.pk, starts_at, ends_at), service, str(therapist), warnings)

    @property
    def confirm(self) -> str:
        return confirmation(self.warnings)


def _slot_from_post(request):
    practice = request.practice
    service = get_object_or_404(Service, practice=practice, pk=request.POST.get("service"))
    therapist = next(
        (p for p in selectors.therapists(practice=practice) if str(p.pk) == request.POST.get("therapist")), None
    )
    starts_at = read_datetime(request.POST.get("starts_at", ""))
    if therapist is None or starts_at is None:
        raise ValidationError("That time could not be read; please pick it again.")
    return service, therapist, starts_at


def _search_from_post(request, starts_at) -> dict:
    """The search the slot was picked from (service, "with" and "from" as the desk chose them, sent
    along by each slot's button), so the page shown again after a refusal is the one they left; the
    slot's own therapist and day when the button did not say."""
    post = request.POST
    day = read_date(post.get("search_day", ""))
    if day is None and starts_at is not None:
        day = timezone.localtime(starts_at, request.practice.zone).date()
    therapist = post["search_therapist"] if "search_therapist" in post else post.get("therapist", "")
    return {"service": post.get("service", ""), "therapist": therapist, "day": day.isoformat() if day else ""}


@require_POST
@requires("appointments.book")
def book_slot(request, practice_slug, client_id):
    client = client_get(practice=request.practice, client_id=client_id)
    search = _search_from_post(request, read_datetime(request.POST.get("starts_at", "")))
    try:
        service, therapist, starts_at = _slot_from_post(request)
        warnings = warnings_to_confirm(
            practice=request.practice,
            client=client,
            therapist=therapist,
            service=service,
            starts_at=starts_at,
            confirm=request.POST.get("confirm", ""),
        )
        if warnings:  # nothing is booked: the page asks first, with the same search below
            warned = Warned.of(service=service, therapist=therapist, starts_at=starts_at, warnings=warnings)
            return render(
                request,
                "sessions/book.html",
                _booking_page(request, client, search, warned=warned),
            )
        appointment = services.appointment_book(
            practice=request.practice,
            client=client,
            therapist=therapist,
            service=service,
            starts_at=starts_at,
            actor=request.user,
        )
    except services.SlotTaken as taken:
        # The page again, as the desk searched it, with the nearest free times to the lost one first.
        context = _booking_page(request, client, search, lost=taken)
        return render(request, "sessions/book.html", context, status=409)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        url = reverse("sessions:book", kwargs={"practice_slug": practice_slug, "client_id": client.pk})
        return redirect(f"{url}?{urlencode(search)}" if search["day"] else url)
    messages.success(request, f"Booked {client} for {timezone.localtime(appointment.starts_at):%a %-d %b %H:%M}.")
    return redirect("sessions:appointment", practice_slug=practice_slug, appointment_id=appointment.pk)


# --- One appointment ----------------------------------------------------------------------------


@requires("calendar.view")
def appointment(request, practice_slug, appointment_id):
    visit = selectors.appointment_get(practice=request.practice, appointment_id=appointment_id)
    return render(
        request,
        "sessions/appointment.html",
        {
            "visit": visit,
            "cancel_form": CancelForm(),
            "complete_form": CompleteForm(practice=request.practice),
        },
    )


def _act(request, practice_slug, appointment_id, action, done, **kwargs):
    visit = selectors.appointment_get(practice=request.practice, appointment_id=appointment_id)
    attempt(request, lambda: action(appointment=visit, **kwargs), done=done)
    return visit


@require_POST
@requires("appointments.book")
def arrive(request, practice_slug, appointment_id):
    visit = _act(request, practice_slug, appointment_id, services.appointment_arrive, "Marked as arrived.")
    return _back_to_calendar(request) or redirect(
        "sessions:appointment", practice_slug=practice_slug, appointment_id=visit.pk
    )


@require_POST
@requires("appointments.book")
def complete(request, practice_slug, appointment_id):
    form = CompleteForm(request.POST, practice=request.practice)
    if not form.is_valid():
        messages.error(request, "Choose a recommendation from the list.")
        return redirect("sessions:appointment", practice_slug=practice_slug, appointment_id=appointment_id)
    visit = _act(
        request,
        practice_slug,
        appointment_id,
        services.appointment_complete,
        "Visit completed.",
        interval_days=form.cleaned_data["interval_days"],
        recommended_service=form.cleaned_data["service"],
    )
    return redirect("sessions:checkout", practice_slug=practice_slug, appointment_id=visit.pk)


@require_POST
@requires("appointments.book")
def cancel(request, practice_slug, appointment_id):
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    done = "Recorded as a no-show." if reason == "no_show" else "Cancelled."
    visit = _act(request, practice_slug, appointment_id, services.appointment_cancel, done, reason=reason)
    return _back_to_calendar(request) or redirect(
        "sessions:appointment", practice_slug=practice_slug, appointment_id=visit.pk
    )


def _back_to_calendar(request):
    """A redirect to the calendar page a quick action was taken from (`next`, a path on this site)."""
    back = request.POST.get("next", "")
    return HttpResponseRedirect(back) if _on_this_site(back) else None


def _on_this_site(path: str) -> bool:
    """A path on this site (not a URL name, not another host): where a quick action may return."""
    return path.startswith("/") and url_has_allowed_host_and_scheme(path, allowed_hosts=set())


@requires("appointments.book")
def move(request, practice_slug, appointment_id):
    """Move to another time or therapist; what deserves a second look (the client's other visits
    that day, the plan's rhythm) is shown first, and "Move anyway" moves."""
    practice = request.practice
    visit = selectors.appointment_get(practice=practice, appointment_id=appointment_id)
    people = selectors.therapists(practice=practice)
    local = timezone.localtime(visit.starts_at, practice.zone)
    form = MoveForm(
        request.POST or None,
        therapists=people,
        initial={"day": local.date(), "start": local.time(), "therapist": visit.therapist_id},
    )
    context = {"visit": visit, "form": form, "alternatives": [], "warnings": []}
    if request.method == "POST" and form.is_valid():
        therapist = next(p for p in people if p.pk == form.cleaned_data["therapist"])
        starts_at = form.starts_at(practice.zone)
        context["warnings"] = warnings_to_confirm(
            practice=practice,
            client=visit.client,
            therapist=therapist,
            service=visit.service,
            starts_at=starts_at,
            confirm=form.cleaned_data["confirm"],
            exclude_id=visit.pk,
        )
        if not context["warnings"]:
            try:
                services.appointment_move(
                    appointment=visit, starts_at=starts_at, therapist=therapist, actor=request.user
                )
            except services.SlotTaken as taken:
                form.add_error(None, str(taken))
                context["alternatives"] = taken.alternatives
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Moved; the client gets an updated calendar entry.")
                return redirect("sessions:appointment", practice_slug=practice_slug, appointment_id=visit.pk)
    context["confirm"] = confirmation(context["warnings"])
    return render(request, "sessions/move.html", context)


# --- Checkout -----------------------------------------------------------------------------------


@requires("appointments.book")
def checkout(
    request, practice_slug, appointment_id, series_form=None, conflicts=None, more_slot=None, more_series=None
):
    """The checkout screen. `more_slot` (Warned) or `more_series` (start times) is a booking not
    made yet, because this checkout is already recorded or the time has warnings, shown with
    "Book anyway"."""
    practice = request.practice
    visit = selectors.checkout_visit(practice=practice, appointment_id=appointment_id)
    if visit.status != Appointment.Status.COMPLETED:
        messages.error(request, "Check out comes after the visit is completed.")
        return redirect("sessions:appointment", practice_slug=practice_slug, appointment_id=visit.pk)
    options = checkout_options(visit)
    local = timezone.localtime(options.same_time_at, practice.zone)
    outcome = _recorded(visit)
    return render(
        request,
        "sessions/checkout.html",
        {
            "visit": visit,
            "options": options,
            "outcome": outcome,
            "booked_here": selectors.booked_at_checkout(practice=practice, visit=visit) if outcome else [],
            "next_visit": selectors.next_booked(practice=practice, client_id=visit.client_id, after=visit.starts_at),
            "series_form": series_form or SeriesForm(initial={"first_day": local.date(), "start": local.time()}),
            "conflicts": conflicts or [],
            "more_slot": more_slot,
            "more_series": more_series or [],
            "not_booked_form": NotBookedForm(),
            # The front desk sees the plain-words summary the therapist approved, never the clinical note.
            "summary": approved_summary(visit),
        },
        status=400 if conflicts or (series_form and series_form.errors) else 200,
    )


def _recorded(visit: Appointment):
    """The checkout outcome already recorded for the visit, or None (read with checkout_visit: no query)."""
    return getattr(visit, "checkout", None)


# The value of `confirm` that books more at a checkout already recorded (checkout.html's "Book anyway" buttons).
MORE = "more"


@require_POST
@requires("appointments.book")
def checkout_book(request, practice_slug, appointment_id):
    visit = selectors.checkout_visit(practice=request.practice, appointment_id=appointment_id)
    try:
        service, therapist, starts_at = _slot_from_post(request)
        confirm = request.POST.get("confirm", "")
        warnings = warnings_to_confirm(
            practice=request.practice,
            client=visit.client,
            therapist=therapist,
            service=service,
            starts_at=starts_at,
            confirm=confirm,
        )
        if warnings or (_recorded(visit) and MORE not in confirm.split()):  # ask before booking (more)
            warned = Warned.of(service=service, therapist=therapist, starts_at=starts_at, warnings=warnings)
            return checkout(request, practice_slug, appointment_id, more_slot=warned)
        booked = services.appointment_book(
            practice=request.practice,
            client=visit.client,
            therapist=therapist,
            service=service,
            starts_at=starts_at,
            actor=request.user,
            checkout_of=visit,
        )
    except (services.SlotTaken, ValidationError) as error:
        messages.error(request, f"{getattr(error, 'message', error)} Here are the options as they are now.")
        return redirect("sessions:checkout", practice_slug=practice_slug, appointment_id=visit.pk)
    services.checkout_record(visit=visit, booked=True, actor=request.user)
    messages.success(
        request,
        f"Booked: {timezone.localtime(booked.starts_at):%A %-d %B at %H:%M}. The client's confirmation is on its way.",
    )
    return redirect("sessions:checkout", practice_slug=practice_slug, appointment_id=visit.pk)


@require_POST
@requires("appointments.book")
def checkout_series(request, practice_slug, appointment_id):
    practice = request.practice
    visit = selectors.checkout_visit(practice=practice, appointment_id=appointment_id)
    form = SeriesForm(request.POST)
    if not form.is_valid():
        return checkout(request, practice_slug, appointment_id, series_form=form)
    starts = form.starts(practice.zone)
    if _recorded(visit) and request.POST.get("confirm") != MORE:  # a second series is never booked unasked
        return checkout(request, practice_slug, appointment_id, series_form=form, more_series=starts)
    service = visit.recommended_service or visit.service
    try:
        booked = services.appointment_book_series(
            practice=practice,
            client=visit.client,
            therapist=visit.therapist,
            service=service,
            starts=starts,
            actor=request.user,
            checkout_of=visit,
        )
    except services.SeriesConflict as conflict:
        return checkout(request, practice_slug, appointment_id, series_form=form, conflicts=conflict.conflicts)
    services.checkout_record(visit=visit, booked=True, actor=request.user, note=f"series of {len(booked)}")
    messages.success(
        request,
        f"Booked {len(booked)} visits, the first on {timezone.localtime(booked[0].starts_at):%A %-d %B at %H:%M}.",
    )
    return redirect("sessions:checkout", practice_slug=practice_slug, appointment_id=visit.pk)


@require_POST
@requires("appointments.book")
def checkout_not_booked(request, practice_slug, appointment_id):
    visit = selectors.appointment_get(practice=request.practice, appointment_id=appointment_id)
    form = NotBookedForm(request.POST)
    if form.is_valid():
        services.checkout_record(visit=visit, booked=False, actor=request.user, **form.cleaned_data)
        messages.success(request, "Noted. The client will come up again when they are due back.")
    else:
        messages.error(request, "Choose why the next visit was not booked.")
    return redirect("sessions:checkout", practice_slug=practice_slug, appointment_id=visit.pk)


@require_POST
@requires("appointments.book")
def checkout_already_booked(request, practice_slug, appointment_id):
    visit = selectors.appointment_get(practice=request.practice, appointment_id=appointment_id)
    services.checkout_record(visit=visit, booked=True, actor=request.user, note="already booked")
    messages.success(request, "Recorded as rebooked.")
    return redirect("sessions:checkout", practice_slug=practice_slug, appointment_id=visit.pk)


# --- Schedule setup -----------------------------------------------------------------------------

SETUP_FORMS = {
    "service": ServiceForm,
    "room": RoomForm,
    "hours": WorkingHoursForm,
    "time_off": TimeOffForm,
    "technique": TechniqueForm,
    "phase": CarePhaseForm,
}


def _setup_form(kind, practice, data=None):
    form_class = SETUP_FORMS[kind]
    extra = {"therapists": selectors.therapists(practice=practice)} if kind in ("hours", "time_off") else {}
    return form_class(data, prefix=kind, instance=form_class._meta.model(practice=practice), **extra)


@requires("schedule.manage")
def setup(request, practice_slug):
    practice = request.practice
    ensure_practice_lists(practice)
    forms = {kind: _setup_form(kind, practice) for kind in SETUP_FORMS}
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind in SETUP_FORMS:
            forms[kind] = form = _setup_form(kind, practice, request.POST)
            if form.is_valid():
                services.setup_item_save(item=form.save(commit=False))
                messages.success(request, "Saved.")
                return redirect("sessions:setup", practice_slug=practice_slug)
            status = 400
    return render(
        request,
        "sessions/setup.html",
        {
            "forms": forms,
            "services": Service.objects.filter(practice=practice),
            "rooms": Room.objects.filter(practice=practice),
            "hours": WorkingHours.objects.filter(practice=practice).select_related("therapist"),
            "time_off": TimeOff.objects.filter(practice=practice, ends_at__gte=timezone.now()).select_related(
                "therapist"
            ),
            "techniques": Technique.objects.filter(practice=practice),
            "phases": CarePhase.objects.filter(practice=practice),
        },
        status=status,
    )


@require_POST
@requires("schedule.manage")
def setup_remove(request, practice_slug, kind, item_id):
    """Remove hours or time off; switch a service, room or technique on or off."""
    model = {**services.REMOVABLE, **services.SWITCHABLE}.get(kind)
    if model is not None:
        get_object_or_404(model, practice=request.practice, pk=item_id)  # not this practice's: 404
    attempt(
        request,
        lambda: services.setup_item_remove(practice=request.practice, kind=kind, item_id=item_id),
        done=lambda said: said,
    )
    return redirect("sessions:setup", practice_slug=practice_slug)
