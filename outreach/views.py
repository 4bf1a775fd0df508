"""The practice's outbox for staff, and the public one-click unsubscribe page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_scopes import scope

from outreach import selectors
from outreach.engine.consent import consent_record
from outreach.engine.links import read_unsubscribe_token
from outreach.engine.models import ConsentEvent, OutboxMessage, Purpose
from outreach.engine.outbox import message_cancel, message_retry
from outreach.forms import OutboxFilterForm
from practice.access import PUBLIC, requires
from practice.models import Practice
from practice.net import client_ip
from practice.paging import paginate


@requires("outbox.view")
def outbox_list(request, practice_slug):
    practice = request.practice
    form = OutboxFilterForm(request.GET or None, kinds=selectors.outbox_kinds(practice=practice))
    filters = form.cleaned_data if form.is_valid() else {}
    page, query = paginate(request, selectors.outbox_messages(practice=practice, **filters))
    counts = selectors.outbox_status_counts(practice=practice)
    return render(request, "outreach/outbox_list.html", {
        "form": form, "page": page, "query": query,
        "status_counts": [(value, label, counts.get(value, 0)) for value, label in OutboxMessage.Status.choices],
    })


def _message(request, message_id) -> OutboxMessage:
    """A message of the request's practice; 404 for anyone else's."""
    return get_object_or_404(OutboxMessage, practice=request.practice, pk=message_id)


@requires("outbox.view")
def outbox_detail(request, practice_slug, message_id):
    return render(request, "outreach/outbox_detail.html", {"message": _message(request, message_id)})


def _staff_action(request, practice_slug, message_id, action, done):
    message = _message(request, message_id)
    try:
        action(message=message)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done)
    return redirect("outreach:outbox-detail", practice_slug=practice_slug, message_id=message.pk)


@require_POST
@requires("outbox.manage")
def outbox_retry(request, practice_slug, message_id):
    return _staff_action(request, practice_slug, message_id, message_retry,
                         "The message will be sent again within a minute.")


@require_POST
@requires("outbox.manage")
def outbox_cancel(request, practice_slug, message_id):
    return _staff_action(request, practice_slug, message_id, message_cancel, "The message was cancelled.")


# The signed token is the credential. Mail clients' RFC 8058 one-click POST carries no cookie or
# CSRF token, so this view cannot ask for one.
@csrf_exempt
@requires(PUBLIC)
def unsubscribe(request, token):
    """GET shows what the link unsubscribes from; POST (the page's button, or a mail client's
    one-click request) records the opt-out. Using a link again changes nothing."""
    target = read_unsubscribe_token(token)
    practice = Practice.objects.filter(pk=target.practice_id).first() if target else None
    if practice is None or target.purpose not in Purpose.values:
        return render(request, "outreach/unsubscribe.html", {"invalid": True}, status=400)
    context = {"practice": practice, "address": target.address, "purpose": Purpose(target.purpose)}
    if request.method != "POST":
        return render(request, "outreach/unsubscribe.html", context)
    with scope(practice=practice):
        consent_record(practice=practice, channel=target.channel, address=target.address, purpose=target.purpose,
                       granted=False, source=ConsentEvent.Source.UNSUBSCRIBE, ip_address=client_ip(request))
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse("Unsubscribed.", content_type="text/plain")
    return render(request, "outreach/unsubscribe.html", {**context, "done": True})
