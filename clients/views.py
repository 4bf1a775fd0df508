"""Client records, intake, the pre-session brief, export and erasure; and the client's own
self-service intake page. Health information is read through views that record it in the audit log."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django_scopes import scope

from clients import record_access, selectors, services
from clients.forms import ClientDetailsForm, ClientForm, EmergencyAccessForm, IntakeForm, intake_initial
from clients.intake import intake_changes, intake_values
from clients.intake_extras import extra_consents
from clients.models import Client, IntakeVersion
from clients.page import brief_note, client_links, last_feedback, last_signed_note
from clients.selectors import SEGMENTS
from clients.timeline import client_timeline, visible_sources
from outbox.models import ConsentEvent
from practice.access import PUBLIC, requires
from practice.actions import attempt
from practice.audit import Action, audit_request
from practice.net import client_ip
from practice.paging import paginate
from practice.parsing import read_datetime
from practice.ratelimit import over_limit

# --- Records ------------------------------------------------------------------------------------


@requires("clients.view")
def client_list(request, practice_slug):
    query = request.GET.get("q", "").strip()[:100]
    segment = request.GET.get("segment", "active")
    segment = segment if segment in SEGMENTS else "active"
    clients = selectors.client_search(practice=request.practice, query=query, segment=segment)
    page, page_query = paginate(request, clients)
    context = {"page": page, "query": page_query, "q": query, "segment": segment, "segments": SEGMENTS}
    template = "clients/_client_rows.html" if request.htmx else "clients/client_list.html"
    return render(request, template, context)


@requires("clients.edit")
def client_create(request, practice_slug):
    form = ClientForm(request.POST or None, phone_region=request.practice.country)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm_duplicate"}
        duplicates = list(
            selectors.possible_duplicates(practice=request.practice, email=data["email"], phone=data["phone"])
        )
        if not duplicates or form.cleaned_data["confirm_duplicate"]:
            client = services.client_create(practice=request.practice, actor=request.user, **data)
            messages.success(request, f"{client} was added.")
            return redirect("clients:client-detail", practice_slug=practice_slug, client_id=client.pk)
        form = ClientForm(request.POST.copy(), phone_region=request.practice.country)  # ask, keeping everything typed
        form.data["confirm_duplicate"] = "true"
    return render(request, "clients/client_form.html", {"form": form, "duplicates": duplicates})


@requires("clients.view")
def client_detail(request, practice_slug, client_id):
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    timeline = _timeline(request, client)
    if request.htmx and timeline["before"]:  # "Show older" in place
        return render(request, "clients/_timeline_past.html", {"client": client, **timeline})
    latest = selectors.latest_intake(client=client)
    return render(
        request,
        "clients/client_detail.html",
        {
            "client": client,
            "latest": latest,
            "pending_link": selectors.pending_intake_link(client=client),
            "actions": client_links(membership=request.membership, client=client, place="actions"),
            "source_links": client_links(membership=request.membership, client=client, place="source"),
            **timeline,
        },
    )


def _timeline(request, client) -> dict:
    """The client's timeline as the member's role may see it: ?kind= one of the kinds it may read
    (anything else shows them all), ?before= the cursor of an older page (a bad one: the first page)."""
    access = record_access.record_access(request.membership, client)
    if access.emergency:
        request.emergency_access = access  # the page's banner says until when
    sources = visible_sources(request.membership, reads_record=access.readable)
    kind = request.GET.get("kind", "")
    kind = kind if any(source.kind == kind for source in sources) else ""
    before = read_datetime(request.GET.get("before", ""))  # a year far off is refused, not a 500
    timeline = client_timeline(
        practice=request.practice,
        client=client,
        membership=request.membership,
        now=timezone.now(),
        kind=kind,
        before=before,
        reads_record=access.readable,
    )
    if timeline.audited_kinds:  # notes and plans are health information: record who read them
        kinds = ", ".join(sorted(timeline.audited_kinds))
        if access.emergency:
            record_access.mark_emergency_use(request, access, page=f"the timeline ({kinds})")
        else:
            audit_request(request, action=Action.VIEW, record=client, label=f"{client} · timeline ({kinds})")
    older = {"kind": kind, "before": timeline.older_than.isoformat()} if timeline.older_than else None
    return {
        "timeline": timeline,
        "timeline_kinds": sources,
        "record_access": access,
        "kind": kind,
        "before": before,
        "this_year": str(timezone.localdate(timezone=request.practice.zone).year),  # the year shown only when another
        "older_query": urlencode({k: v for k, v in older.items() if v}) if older else "",
    }


@requires("clients.edit")
def client_edit(request, practice_slug, client_id):
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm_duplicate"}
        client.refresh_from_db()  # the form wrote into the instance; compare against what is stored
        services.client_update(client=client, actor=request.user, ip_address=client_ip(request), **data)
        messages.success(request, "Saved.")
        return redirect("clients:client-detail", practice_slug=practice_slug, client_id=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "client": client})


@require_POST
@requires("clients.edit")
def client_archive(request, practice_slug, client_id):
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    archived = client.status == Client.Status.ARCHIVED
    services.client_set_status(
        client=client, actor=request.user, status=Client.Status.ACTIVE if archived else Client.Status.ARCHIVED
    )
    messages.success(request, f"{client} is {'active again' if archived else 'archived'}.")
    return redirect("clients:client-detail", practice_slug=practice_slug, client_id=client.pk)


# --- Intake (health information: every read and change is audited) ------------------------------


@requires("intake.view")
def intake_detail(request, practice_slug, client_id):
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    versions = list(selectors.intake_versions(client=client))
    current = versions[0] if versions else None
    if current:
        audit_request(request, action=Action.VIEW, record=current, label=f"{client} · intake v{current.number}")
    return render(request, "clients/intake_detail.html", {"client": client, "version": current, "versions": versions})


@requires("intake.view")
def intake_version(request, practice_slug, client_id, version_id):
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    version = selectors.intake_version_get(client=client, version_id=version_id)
    audit_request(request, action=Action.VIEW, record=version, label=f"{client} · intake v{version.number}")
    return render(
        request,
        "clients/intake_detail.html",
        {
            "client": client,
            "version": version,
            "versions": list(selectors.intake_versions(client=client)),
        },
    )


@requires("intake.view")
def intake_compare(request, practice_slug, client_id):
    """What changed between two versions (by default the latest and the one before it)."""
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    versions = list(selectors.intake_versions(client=client))
    by_id = {str(v.pk): v for v in versions}
    newer = by_id.get(request.GET.get("to")) or (versions[0] if versions else None)
    older = by_id.get(request.GET.get("from")) or next((v for v in versions if newer and v.number < newer.number), None)
    if older and newer and older.number > newer.number:
        older, newer = newer, older
    if newer:
        audit_request(
            request,
            action=Action.VIEW,
            record=newer,
            label=f"{client} · intake v{newer.number}",
            detail=f"compared with v{older.number}" if older else "",
        )
    return render(
        request,
        "clients/intake_compare.html",
        {
            "client": client,
            "versions": versions,
            "older": older,
            "newer": newer,
            "changes": intake_changes(older, newer) if newer else [],
        },
    )


@requires("intake.edit")
def intake_edit(request, practice_slug, client_id):
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    latest = selectors.latest_intake(client=client)
    form = IntakeForm(
        request.POST or None,
        signing=False,
        email=client.email,
        phone=client.phone,
        initial=intake_initial(intake_values(latest)),
    )
    if request.method == "POST" and form.is_valid():
        version = services.intake_record(
            client=client,
            source=IntakeVersion.Source.STAFF,
            answers=form.answers(),
            actor=request.user,
            ip_address=client_ip(request),
        )
        messages.success(request, f"Intake version {version.number} saved.")
        return redirect("clients:intake-detail", practice_slug=practice_slug, client_id=client.pk)
    return render(request, "clients/intake_form.html", {"client": client, "form": form, "latest": latest})


@require_POST
@requires("intake.send")
def intake_send_link(request, practice_slug, client_id):
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    attempt(
        request,
        lambda: services.intake_link_send(client=client, actor=request.user, ip_address=client_ip(request)),
        done=f"The intake link is on its way to {client.email}; it arrives within a minute.",
    )
    return redirect("clients:client-detail", practice_slug=practice_slug, client_id=client.pk)


@requires("intake.view")
def brief(request, practice_slug, client_id):
    """The pre-session brief: what the therapist must know before the session, on one screen."""
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    versions = list(selectors.intake_versions(client=client))
    current = versions[0] if versions else None
    last_note = last_signed_note(client)
    if last_note:  # what changed since the last visit: compare with the intake as it was when its note was signed
        previous = next((v for v in versions if v.created_at <= last_note.signed_at), None)
        since = f"the last visit ({last_note.visit.starts_at.astimezone(request.practice.zone):%d %b})"
    else:
        previous = versions[1] if len(versions) > 1 else None
        since = f"{previous.created_at.astimezone(request.practice.zone):%d %b %Y}" if previous else "the first intake"
    audit_request(request, action=Action.VIEW, record=current or client, label=f"{client} · pre-session brief")
    return render(
        request,
        "clients/brief.html",
        {
            "client": client,
            "intake": current,
            "since": since,
            "changes": intake_changes(previous, current) if current and previous and previous != current else [],
            "last_note": last_note,
            # The client's own word on their last visit (outreach), with a pressure proposal.
            "feedback": last_feedback(client=client, membership=request.membership),
            # The visit it is read for (?visit= from the day's lists), else the client's visit today.
            "note_link": (
                brief_note(client=client, visit_id=request.GET.get("visit"))
                if request.membership.has_perm("notes.write")
                else None
            ),
        },
    )


# --- Emergency access ("break glass", clients.record_access) ---------------------------------------


@require_POST
@requires("notes.view")
@record_access.breaks_glass
def emergency_access(request, practice_slug, client_id):
    """The refusal page's form: open a client's record for a while, for the reason stated, then go
    back to the page that was refused (a page of this practice only), whose banner says until when."""
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    form = EmergencyAccessForm(request.POST)
    next_url = _next_in_practice(request, client)
    if not form.is_valid():
        access = record_access.fresh_record_access(request.membership, client)
        if not access.readable:  # the refusal again, with what to correct
            return record_access.refusal_page(request, access, form=form, next_url=next_url, status=400)
        messages.error(request, form.errors["reason"][0])
        return redirect(next_url)
    try:
        services.emergency_access_grant(
            client=client, actor=request.user, reason=form.cleaned_data["reason"], ip_address=client_ip(request)
        )
    except ValidationError as refused:  # the record is open to them anyway: go and read it
        messages.info(request, refused.messages[0])
    return redirect(next_url)


def _next_in_practice(request, client) -> str:
    """?next= when it is a page of this practice on this site, else the client's page."""
    wanted = request.POST.get("next", "")
    inside = f"/p/{request.practice.slug}/"
    if wanted.startswith(inside) and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse("clients:client-detail", kwargs={"practice_slug": request.practice.slug, "client_id": client.pk})


# --- Export and erasure -------------------------------------------------------------------------


def _export_data(client: Client) -> dict:
    versions = selectors.intake_versions(client=client)
    consents = ConsentEvent.objects.filter(practice=client.practice, client_ref=client.pk).order_by("at")
    return {
        "exported_at": timezone.now(),
        "practice": client.practice.name,
        "client": {
            field.name: getattr(client, field.name)
            for field in Client._meta.concrete_fields
            if field.name not in ("practice",)
        },
        "intake_versions": [
            {
                "number": v.number,
                "created_at": v.created_at,
                "source": v.get_source_display(),
                "created_by": str(v.created_by or ""),
                "signed_at": v.signed_at,
                **intake_values(v),
            }
            for v in versions
        ],
        "consents": [
            {
                "at": c.at,
                "channel": c.channel,
                "address": c.address,
                "purpose": c.purpose,
                "granted": c.granted,
                "source": c.get_source_display(),
            }
            for c in consents
        ],
    }


@requires("clients.export")
def client_export(request, practice_slug, client_id, fmt):
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    data = _export_data(client)
    audit_request(request, action=Action.EXPORT, record=client, detail=f"exported the record as {fmt.upper()}")
    if fmt == "json":
        response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="client-{slugify(client.full_name)}.json"'
        return response
    versions = list(selectors.intake_versions(client=client))
    return render(request, "clients/client_export.html", {"client": client, "data": data, "versions": versions})


@requires("clients.erase")
def client_erase(request, practice_slug, client_id):
    client = selectors.client_get(practice=request.practice, client_id=client_id)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip().lower() == client.full_name.lower():
            name = str(client)
            services.client_erase(client=client, actor=request.user, ip_address=client_ip(request))
            messages.success(request, f"{name}'s record was erased. The audit log keeps a note of it.")
            return redirect("clients:client-list", practice_slug=practice_slug)
        error = f"Type {client.full_name} exactly to confirm."
    return render(
        request, "clients/client_erase.html", {"client": client, "error": error}, status=400 if error else 200
    )


# --- The client's own intake page (public, by signed link) --------------------------------------


@requires(PUBLIC)
def intake_self(request, token):
    try:
        link = services.intake_link_from_token(token)
    except services.IntakeLinkUnusable as reason:
        return render(request, "clients/intake_self_unusable.html", {"reason": str(reason)}, status=410)
    with scope(practice=link.practice):
        return _intake_self_form(request, link, token)


def _intake_self_form(request, link, token):
    client = link.client
    # The answers are put on the page only for a link made to show them (see intake_link_send).
    previous = selectors.latest_intake(client=client) if link.prefilled else None
    details = ClientDetailsForm(request.POST or None, instance=client, prefix="me")
    contact = details.data if request.method == "POST" else {}
    intake = IntakeForm(
        request.POST or None,
        signing=True,
        initial=intake_initial(intake_values(previous)),
        email=contact.get("me-email", client.email).strip(),
        phone=contact.get("me-phone", client.phone).strip(),
    )
    ticked = set(request.POST.getlist("extra_consent"))
    context = {
        "link": link,
        "practice": link.practice,
        "client": client,
        "details": details,
        "intake": intake,
        "returning": previous is not None,
        "kept_answers": not link.prefilled and selectors.latest_intake(client=client) is not None,
        "extra_consents": extra_consents(client) if link.prefilled else [],
        "ticked": ticked,
    }
    if request.method != "POST":
        return render(request, "clients/intake_self.html", context)
    ip = client_ip(request)
    if over_limit(f"intake-link:{link.pk}", limit=10, window_seconds=600) or over_limit(
        f"intake-ip:{ip}", limit=30, window_seconds=3600
    ):
        context["throttled"] = True  # what was typed stays in the form
        return render(request, "clients/intake_self.html", context, status=429)
    if not (details.is_valid() and intake.is_valid()):
        return render(request, "clients/intake_self.html", context, status=400)
    client_fields = {name: details.cleaned_data[name] for name in ClientDetailsForm.Meta.fields}
    try:
        services.intake_submit_by_link(
            link=link,
            client_fields=client_fields,
            answers=intake.answers(),
            ip_address=ip,
            extra_consents=frozenset(ticked),
        )
    except services.IntakeLinkUnusable as reason:
        return render(request, "clients/intake_self_unusable.html", {"reason": str(reason)}, status=410)
    return redirect("clients:intake-thanks")


@requires(PUBLIC)
def intake_thanks(request):
    return render(request, "clients/intake_thanks.html")


@requires(PUBLIC)
def email_confirm(request, token):
    """The client confirms that the address on file is theirs (a link in an email sent there)."""
    if over_limit(f"email-confirm-ip:{client_ip(request)}", limit=30, window_seconds=3600):
        return render(request, "clients/email_confirmed.html", {"throttled": True}, status=429)
    client = services.email_confirm(token=token, ip_address=client_ip(request))
    context = {"client": client, "practice": client.practice if client else None}
    return render(request, "clients/email_confirmed.html", context, status=200 if client else 410)
