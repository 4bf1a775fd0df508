"""Forms for accounts, sign-up, staff and the audit log filters."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import validate_slug
from django.utils.text import slugify

from practice.models import AuditEvent, Membership, Practice, record_type_label, time_zone_choices
from practice.phones import PhoneNumbersForm
from practice.services import logo_too_large


def first_error(form) -> str:
    """The first problem a form found, for a page or message that shows one."""
    return next(iter(form.errors.values()))[0]


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Check both and try again.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The six digits your authenticator app shows for Rebook, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class AuthenticatorConfirmForm(forms.Form):
    code = forms.CharField(
        label="Six-digit code from the app",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError("Type the six digits the app shows, without letters.")
        return code


class NewPasswordMixin(forms.Form):
    """Two password fields checked against Django's password validators."""

    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_password2(self):
        password1, password2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            raise forms.ValidationError("The two passwords differ.")
        return password2

    def _post_clean(self):
        super()._post_clean()
        password = self.cleaned_data.get("password2")
        if password:
            try:
                password_validation.validate_password(password, self.password_user())
            except forms.ValidationError as error:
                self.add_error("password1", error)

    def password_user(self):
        return None


class PracticeFieldsMixin(forms.Form):
    practice_name = forms.CharField(label="Practice name", max_length=120)
    slug = forms.CharField(
        label="Web address",
        max_length=60,
        validators=[validate_slug],
        help_text="Letters, numbers and hyphens; your pages will live under /p/&lt;this&gt;/.",
    )
    time_zone = forms.ChoiceField(label="Time zone", choices=time_zone_choices, initial="America/New_York")

    def clean_slug(self):
        slug = slugify(self.cleaned_data["slug"])
        if Practice.objects.filter(slug=slug).exists():
            raise forms.ValidationError("That web address is taken; please choose another.")
        return slug


class SignUpForm(PracticeFieldsMixin, NewPasswordMixin):
    """A new owner and their practice."""

    field_order = ["practice_name", "slug", "time_zone", "first_name", "last_name", "email", "password1", "password2"]
    first_name = forms.CharField(label="Your first name", max_length=150)
    last_name = forms.CharField(label="Your last name", max_length=150)
    email = forms.EmailField(label="Your email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PracticeCreateForm(PracticeFieldsMixin):
    """Another practice for someone already signed in."""


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.THERAPIST)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class AcceptInvitationForm(NewPasswordMixin):
    """The invited person's new account; the email address comes from the invitation."""

    field_order = ["first_name", "last_name", "password1", "password2"]
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)


class PracticeSettingsForm(PhoneNumbersForm, forms.ModelForm):
    logo = forms.ImageField(
        required=False, label="Logo", help_text="PNG or JPEG, up to 1 MB. Printed on progress reports."
    )
    remove_logo = forms.BooleanField(
        required=False, label="Remove the current logo", help_text="Reports are then printed without a logo."
    )

    class Meta:
        model = Practice
        fields = [
            "name",
            "time_zone",
            "country",
            "address",
            "phone",
            "email",
            "reminder_hours_before",
            "require_two_factor",
            "therapist_note_access",
        ]
        labels = {
            "name": "Practice name",
            "time_zone": "Time zone",
            "country": "Country",
            "address": "Address",
            "phone": "Phone number",
            "email": "Email address",
            "reminder_hours_before": "Send appointment reminders (hours before)",
            "require_two_factor": "Require two-factor sign-in for everyone",
            "therapist_note_access": "Therapists read the notes, plans and intakes of",
        }
        help_texts = {
            "name": "As clients and partners see it, on emails and progress reports.",
            "time_zone": "Appointments, follow-ups and reminders go by this clock.",
            "country": "Phone numbers typed without a country code are read as this country's.",
            "address": "Printed on emails and progress reports.",
            "phone": "The number clients call; shown on emails and reports.",
            "email": "Where clients' replies go; shown on emails.",
            "reminder_hours_before": "How long before each visit the reminder goes out; 0 sends no reminders.",
            "require_two_factor": (
                "Members without an authenticator app are asked to set one up before they reach any page."
            ),
            "therapist_note_access": (
                "Owners read every client's record. A therapist outside their access can open a record in an "
                "emergency by giving a reason; you are emailed and it is marked in the audit log."
            ),
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    SECURITY_FIELDS = ("require_two_factor", "therapist_note_access")

    def detail_fields(self):
        return [field for field in self if field.name not in self.SECURITY_FIELDS]

    def security_fields(self):
        return [self[name] for name in self.SECURITY_FIELDS]

    def phone_region(self) -> str | None:
        return getattr(self, "cleaned_data", {}).get("country") or self.instance.country  # the country being saved

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and logo.size > 1024 * 1024:
            raise forms.ValidationError("The logo is larger than 1 MB; please upload a smaller image.")
        if logo and logo.image.format not in ("PNG", "JPEG"):
            raise forms.ValidationError("Upload the logo as a PNG or JPEG image.")
        if logo and (problem := logo_too_large(logo.image.size)):  # read from the header, nothing decoded
            raise forms.ValidationError(problem)
        return logo


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(queryset=None, required=False, empty_label="Anyone", label="Who")
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditEvent.Action.choices], required=False)
    record_type = forms.ChoiceField(required=False, label="Record type")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, staff, record_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = staff
        self.fields["record_type"].choices = [("", "Any record"), *[(t, record_type_label(t)) for t in record_types]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned
