"""The waitlist for staff (who waits for what, who was offered which freed time and what came of
it), and the client's public page that claims an offered time by its signed link."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_scopes import scope

from clients.selectors import client_get, client_search
from practice.access import PUBLIC, requires
from practice.actions import attempt
from practice.net import client_ip
from practice.ratelimit import over_limit

from . import selectors, waitlist
from .forms import WaitlistEntryForm
from .services import SlotTaken

CLIENTS_FOUND = 8  # the "add a client" search on the waitlist page


@requires("appointments.book")
def waitlist_list(request, practice_slug):
    practice = request.practice
    query = request.GET.get("q", "").strip()
    found = list(client_search(practice=practice, query=query)[:CLIENTS_FOUND]) if query else None
    return render(
        request,
        "sessions/waitlist_list.html",
        {
            "entries": selectors.waitlist_entries(practice=practice),
            "offers": selectors.waitlist_recent_offers(practice=practice),
            "query": query,
            "found": found,
            "now": timezone.now(),
            "today": timezone.localdate(timezone=practice.zone),
        },
    )


@requires("appointments.book")
def waitlist_add(request, practice_slug, client_id):
    practice = request.practice
    client = client_get(practice=practice, client_id=client_id)
    people = selectors.therapists(practice=practice)
    form = WaitlistEntryForm(request.POST or None, practice=practice, therapists=people)
    if request.method == "POST" and form.is_valid():
        try:
            waitlist.waitlist_entry_add(practice=practice, client=client, actor=request.user, **form.entry_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{client} is on the waitlist. Freed times that suit are offered by email.")
            return redirect("sessions:waitlist", practice_slug=practice_slug)
    status = 400 if form.errors else 200
    return render(request, "sessions/waitlist_add.html", {"client": client, "form": form}, status=status)


@requires("appointments.book")
def waitlist_entry(request, practice_slug, entry_id):
    entry = selectors.waitlist_entry_get(practice=request.practice, entry_id=entry_id)
    return render(request, "sessions/waitlist_entry.html", {"entry": entry, "now": timezone.now()})


@require_POST
@requires("appointments.book")
def waitlist_remove(request, practice_slug, entry_id):
    entry = selectors.waitlist_entry_get(practice=request.practice, entry_id=entry_id)
    attempt(
        request,
        lambda: waitlist.waitlist_entry_remove(entry=entry),
        done=f"{entry.client} is off the waitlist; open offers are withdrawn.",
    )
    return redirect("sessions:waitlist", practice_slug=practice_slug)


# --- The client's claim page (public, by signed link) -------------------------------------------


@requires(PUBLIC)
def waitlist_claim(request, token):
    offer = waitlist.offer_from_token(token)
    if offer is None:
        return render(request, "sessions/waitlist_claim.html", {"state": "invalid"}, status=404)
    practice = offer.practice
    with scope(practice=practice), timezone.override(practice.zone):
        context = {"offer": offer, "practice": practice, "client": offer.client}
        state = waitlist.claim_state(offer)
        if request.method == "POST" and state == waitlist.OPEN:
            if over_limit(f"waitlist-offer:{offer.pk}", limit=10, window_seconds=600) or over_limit(
                f"waitlist-offer-ip:{client_ip(request)}", limit=30, window_seconds=3600
            ):
                return render(request, "sessions/waitlist_claim.html", {**context, "state": "throttled"}, status=429)
            state = _claim(offer)
            if state == waitlist.BOOKED:
                context["just_booked"] = True
        status = {waitlist.TAKEN: 409, waitlist.EXPIRED: 410, waitlist.WITHDRAWN: 410}.get(state, 200)
        return render(request, "sessions/waitlist_claim.html", {**context, "state": state}, status=status)


def _claim(offer) -> str:
    """The state after trying to claim: BOOKED for the winner, or why not."""
    try:
        waitlist.waitlist_offer_claim(offer=offer)
    except SlotTaken:
        return waitlist.TAKEN
    except waitlist.OfferClosed as closed:
        return closed.state
    offer.refresh_from_db(fields=["outcome", "booked"])
    return waitlist.BOOKED
