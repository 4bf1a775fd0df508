"""Accounts, sign-up, the practice picker and home, staff, settings and the audit log.

Access is declared on each view (`permission`, or @requires) and enforced by AccessMiddleware;
inside /p/<practice_slug>/ every view runs in the practice's scope with request.membership set."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from practice import account_sessions, selectors, services, two_factor
from practice.access import PUBLIC, SIGNED_IN, requires
from practice.actions import attempt
from practice.forms import (
    AcceptInvitationForm,
    AuditFilterForm,
    InvitationForm,
    PracticeCreateForm,
    PracticeSettingsForm,
    RoleForm,
    SignUpForm,
)
from practice.home import home_panels
from practice.models import AuditEvent, Invitation, Membership, User
from practice.net import client_ip
from practice.paging import paginate
from practice.signin_audit import audit_account

# --- Accounts -----------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    permission = PUBLIC
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("practice:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    permission = PUBLIC


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    permission = PUBLIC
    success_url = reverse_lazy("practice:password-reset-complete")

    def form_valid(self, form):
        """A new password by email ends every session of the account (one may be an intruder's)."""
        response = super().form_valid(form)
        ip_address = client_ip(self.request)
        ended = account_sessions.sessions_end_all(user=form.user, ip_address=ip_address)
        audit_account(
            user=form.user,
            action=AuditEvent.Action.PASSWORD_CHANGED,
            detail=f"reset by email link, {ended} sessions ended",
            ip_address=ip_address,
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    permission = PUBLIC


@requires(PUBLIC)
def health(request):
    """For load balancers and CI: the app answers and reaches its database. With REBOOK_INSTANCE_NAME
    set, the answer names the instance, so a caller can tell which process answered (CI checks that
    the server on its port is the one it started)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse(" ".join(filter(None, ["ok", settings.INSTANCE_NAME])), content_type="text/plain")


@requires(PUBLIC)
def sign_up(request):
    """A new practice with its owner; someone signed in just adds a practice to their account."""
    form_class = PracticeCreateForm if request.user.is_authenticated else SignUpForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.user.is_authenticated:
                membership = services.practice_create(
                    name=data["practice_name"], slug=data["slug"], time_zone=data["time_zone"], owner=request.user
                )
            else:
                membership = services.practice_sign_up(
                    name=data["practice_name"],
                    slug=data["slug"],
                    time_zone=data["time_zone"],
                    email=data["email"],
                    password=data["password1"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Welcome to Rebook. {membership.practice.name} is ready.")
            return redirect("practice:practice-home", practice_slug=membership.practice.slug)
    return render(request, "practice/signup.html", {"form": form})


# --- Choosing a practice ------------------------------------------------------------------------


@requires(SIGNED_IN)
def home(request):
    """Straight to the practice for someone who works in one; a picker for several."""
    memberships = list(selectors.memberships_of(user=request.user))
    if len(memberships) == 1:
        return redirect("practice:practice-home", practice_slug=memberships[0].practice.slug)
    return render(request, "practice/practice_picker.html", {"memberships": memberships})


@requires("practice.view")
def practice_home(request, practice_slug):
    return render(
        request,
        "practice/practice_home.html",
        {
            "staff_counts": selectors.staff_counts(practice=request.practice),
            "panels": home_panels(request),
        },
    )


@requires("practice.settings")
def practice_settings(request, practice_slug):
    form = PracticeSettingsForm(request.POST or None, request.FILES or None, instance=request.practice)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        logo, remove_logo = fields.pop("logo"), fields.pop("remove_logo")
        with transaction.atomic():  # the details and the logo are saved together or not at all
            services.practice_update(
                practice=request.practice, actor=request.user, ip_address=client_ip(request), **fields
            )
            if logo or remove_logo:
                services.practice_set_logo(practice=request.practice, image_file=logo or None)
        messages.success(request, "Practice details saved.")
        return redirect("practice:practice-settings", practice_slug=practice_slug)
    return render(request, "practice/practice_settings.html", {"form": form})


@requires("practice.settings")
def practice_logo(request, practice_slug):
    """The stored logo, for the settings page's preview (204 without one: the practice exists, so
    a 404 would say otherwise)."""
    if not request.practice.logo_png:
        return HttpResponse(status=204)
    return HttpResponse(bytes(request.practice.logo_png), content_type="image/png")


# --- Staff --------------------------------------------------------------------------------------


def _staff_page(request, *, invite_form=None, status=200):
    practice = request.practice
    return render(
        request,
        "practice/staff_list.html",
        {
            "members": selectors.staff_of(practice=practice),
            "invitations": selectors.pending_invitations(practice=practice),
            "invite_form": invite_form or InvitationForm(),
            "roles": Membership.Role.choices,
            "invitation_days": settings.INVITATION_VALID_DAYS,
        },
        status=status,
    )


@requires("staff.manage")
def staff_list(request, practice_slug):
    return _staff_page(request)


@require_POST
@requires("staff.manage")
def staff_invite(request, practice_slug):
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                practice=request.practice,
                invited_by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("practice:staff-list", practice_slug=practice_slug)
    return _staff_page(request, invite_form=form, status=400)


def _member(request, membership_id) -> Membership:
    """A membership of the request's practice; 404 for anyone else's."""
    return get_object_or_404(selectors.staff_of(practice=request.practice), pk=membership_id)


@require_POST
@requires("staff.manage")
def staff_change_role(request, practice_slug, membership_id):
    membership = _member(request, membership_id)
    form = RoleForm(request.POST)
    error = None
    if not form.is_valid():
        error = "Choose one of the listed roles."
    else:
        try:
            services.membership_change_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user, ip_address=client_ip(request)
            )
        except ValidationError as exc:
            error = exc.messages[0]
            membership.refresh_from_db()
    if request.htmx:
        # 200 even with an error: htmx swaps only successful responses, and the row shows the error.
        return render(
            request,
            "practice/_membership_row.html",
            {
                "member": membership,
                "roles": Membership.Role.choices,
                "row_error": error,
                "row_saved": error is None,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{membership.user} is now {membership.get_role_display().lower()}.")
    return redirect("practice:staff-list", practice_slug=practice_slug)


@require_POST
@requires("staff.manage")
def staff_remove(request, practice_slug, membership_id):
    membership = _member(request, membership_id)
    removed = attempt(
        request,
        lambda: services.membership_remove(membership=membership, actor=request.user, ip_address=client_ip(request)),
        done=f"{membership.user} no longer has access to {request.practice.name}.",
    )
    if removed is not None and removed.user == request.user:  # they removed themselves
        return redirect("practice:home")
    return redirect("practice:staff-list", practice_slug=practice_slug)


@require_POST
@requires("staff.manage")
def staff_two_factor_reset(request, practice_slug, membership_id):
    """For a member who lost both their phone and their recovery codes."""
    membership = _member(request, membership_id)
    attempt(
        request,
        lambda: two_factor.two_factor_reset(membership=membership, actor=request.user, ip_address=client_ip(request)),
        done=f"{membership.user}'s two-factor sign-in was reset: they sign in with their password and set it up again.",
    )
    return redirect("practice:staff-list", practice_slug=practice_slug)


@require_POST
@requires("staff.manage")
def invitation_revoke(request, practice_slug, invitation_id):
    invitation = get_object_or_404(Invitation, practice=request.practice, pk=invitation_id)
    services.invitation_revoke(invitation=invitation)
    messages.success(request, f"The invitation for {invitation.email} was withdrawn.")
    return redirect("practice:staff-list", practice_slug=practice_slug)


@requires(PUBLIC)
def invitation_accept(request, token):
    """The link from an invitation email: sign in (or create an account) and join the practice."""
    invitation = services.invitation_by_token(token)
    if invitation is None or not invitation.is_usable:
        return render(
            request, "practice/invitation_accept.html", {"invitation": invitation, "unusable": True}, status=410
        )
    context = {"invitation": invitation}
    user = request.user if request.user.is_authenticated else None
    account_exists = user is not None or User.objects.filter(email__iexact=invitation.email).exists()
    if request.method != "POST":
        context["form"] = None if account_exists else AcceptInvitationForm()
        context["account_exists"] = account_exists
        return render(request, "practice/invitation_accept.html", context)
    try:
        if user is not None:
            membership = services.invitation_accept(invitation=invitation, user=user)
        elif account_exists:
            return redirect(f"{reverse('practice:login')}?next={request.path}")
        else:
            form = AcceptInvitationForm(request.POST)
            if not form.is_valid():
                return render(request, "practice/invitation_accept.html", {**context, "form": form}, status=400)
            membership = services.invitation_accept_new_account(
                invitation=invitation,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    except ValidationError as error:
        context.update(error=error.messages[0], account_exists=account_exists)
        return render(request, "practice/invitation_accept.html", context, status=400)
    messages.success(request, f"Welcome to {membership.practice.name}.")
    return redirect("practice:practice-home", practice_slug=membership.practice.slug)


# --- Audit log ----------------------------------------------------------------------------------


@requires("audit.view")
def audit_list(request, practice_slug):
    practice = request.practice
    form = AuditFilterForm(
        request.GET or None,
        staff=User.objects.filter(memberships__practice=practice).order_by("first_name", "last_name"),
        record_types=selectors.audit_record_types(practice=practice),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events(
        practice=practice,
        actor_id=getattr(filters.get("actor"), "pk", None),
        action=filters.get("action", ""),
        record_type=filters.get("record_type", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page, query = paginate(request, events)
    return render(request, "practice/audit_list.html", {"form": form, "page": page, "query": query})


# --- Error pages (config/urls.py names them) ----------------------------------------------------


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: whatever broke the page may break a context processor too.
    return HttpResponse(loader.get_template("500.html").render({}), status=500)
