"""Client record and intake forms. Every rule gives a message next to its field; what was typed
stays in the form when something is wrong."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row
from django import forms
from django.utils import timezone

from clients.models import BODY_AREAS, Client, IntakeVersion

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO_UNKNOWN = [("", "Not asked"), ("true", "Yes"), ("false", "No")]


def _longest(name: str) -> int:
    """An intake answer's limit, as the model gives it (free text reaches the brief and PDFs)."""
    return IntakeVersion._meta.get_field(name).max_length


def _yes_no(value):
    return {"true": True, "false": False}.get(value)


class ClientDetailsForm(forms.ModelForm):
    """What the client can tell us about themselves (used by staff and by the intake link)."""

    first_massage = forms.TypedChoiceField(
        choices=YES_NO_UNKNOWN, coerce=_yes_no, empty_value=None, required=False, label="First massage ever?"
    )

    class Meta:
        model = Client
        fields = [
            "first_name",
            "last_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "email",
            "phone",
            "address",
            "emergency_contact_name",
            "emergency_contact_phone",
            "occupation",
            "first_massage",
            "heard_via",
            "heard_via_detail",
        ]
        widgets = {
            "date_of_birth": DATE_INPUT,
            "address": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        labels = {"heard_via": "How did you hear of us?", "heard_via_detail": "Who or where? (optional)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.first_massage is not None:
            self.initial["first_massage"] = "true" if self.instance.first_massage else "false"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError("The date of birth is in the future.")
        if born and born.year < 1900:
            raise forms.ValidationError("Please check the year of birth.")
        return born

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("heard_via") == Client.HeardVia.OTHER and not cleaned.get("heard_via_detail"):
            self.add_error("heard_via_detail", "Please say how you heard of us.")
        return cleaned


class ClientForm(ClientDetailsForm):
    """The staff's form: everything the client gives us, plus alerts; asks before a duplicate."""

    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    class Meta(ClientDetailsForm.Meta):
        fields = [*ClientDetailsForm.Meta.fields, "alerts"]
        widgets = {**ClientDetailsForm.Meta.widgets, "alerts": forms.Textarea(attrs={"rows": 2})}


class IntakeForm(forms.Form):
    """Health history, pain ratings, preferences and consents. `signing` asks for the client's
    consent and typed signature (the self-service link); staff edits carry the signature over.
    `email` and `phone` are the contact details the consents will use."""

    cautions = forms.MultipleChoiceField(
        choices=IntakeVersion.Caution.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Do any of these apply to you now?",
    )
    caution_details = forms.CharField(
        max_length=_longest("caution_details"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Details",
        help_text="Which surgery or injury, which allergies, which medications.",
    )
    reason_for_visit = forms.CharField(
        max_length=_longest("reason_for_visit"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="What brings you in?",
    )
    goals = forms.CharField(
        max_length=_longest("goals"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="What would you like from your massages?",
    )
    pressure = forms.ChoiceField(
        choices=IntakeVersion.Pressure.choices, widget=forms.RadioSelect, label="Pressure you prefer"
    )
    focus_areas = forms.MultipleChoiceField(
        choices=BODY_AREAS, widget=forms.CheckboxSelectMultiple, required=False, label="Areas to focus on"
    )
    avoid_areas = forms.MultipleChoiceField(
        choices=BODY_AREAS, widget=forms.CheckboxSelectMultiple, required=False, label="Areas to avoid"
    )
    area_notes = forms.CharField(
        max_length=_longest("area_notes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Anything about these areas",
    )
    conversation = forms.ChoiceField(
        choices=IntakeVersion.Conversation.choices, widget=forms.RadioSelect, label="During the massage I prefer"
    )
    comfort_notes = forms.CharField(
        max_length=_longest("comfort_notes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Draping, temperature or other comfort notes",
    )
    consent_to_treatment = forms.BooleanField(
        required=False,
        label="I consent to massage treatment, and I will tell my therapist about any change in my health.",
    )
    signature_name = forms.CharField(required=False, max_length=200, label="Type your full name as your signature")
    reminder_channel = forms.ChoiceField(
        choices=IntakeVersion.ReminderChannel.choices,
        widget=forms.RadioSelect,
        initial=IntakeVersion.ReminderChannel.EMAIL,
        label="Appointment reminders by",
    )
    followup_consent = forms.BooleanField(
        required=False, label="You may contact me the day after a visit to ask how I feel"
    )
    marketing_email = forms.BooleanField(required=False, label="Send me newsletters and offers by email")
    marketing_sms = forms.BooleanField(required=False, label="Send me newsletters and offers by text message")

    NEEDS_DETAILS = {IntakeVersion.Caution.ALLERGIES, IntakeVersion.Caution.MEDICATIONS, IntakeVersion.Caution.OTHER}

    def __init__(self, *args, signing: bool, email: str = "", phone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.signing, self.email, self.phone = signing, email, phone
        for area, label in BODY_AREAS:
            self.fields[f"pain_{area}"] = forms.IntegerField(
                min_value=0,
                max_value=10,
                required=False,
                label=label,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 10, "placeholder": "–"}),
                error_messages={
                    "min_value": "0 to 10, please.",
                    "max_value": "0 to 10, please.",
                    "invalid": "A number from 0 to 10.",
                },
            )
        if not signing:
            del self.fields["consent_to_treatment"], self.fields["signature_name"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = self._layout()

    def _layout(self):
        pain_rows = [Row(*[Column(f"pain_{area}", css_class="col-6 col-md-4 col-lg-3") for area, _ in BODY_AREAS])]
        consents = ["reminder_channel", "followup_consent", "marketing_email", "marketing_sms"]
        if self.signing:
            consents = ["consent_to_treatment", "signature_name", *consents]
        return Layout(
            Fieldset("Health", "cautions", "caution_details", "reason_for_visit", "goals"),
            Fieldset(
                "Pain or tension right now",
                HTML(
                    '<p class="form-text mt-0">Rate each area that bothers you from 0 (none) to 10 (worst). '
                    "Leave the rest empty.</p>"
                ),
                *pain_rows,
            ),
            Fieldset(
                "Your preferences",
                Div("pressure", css_class="inline-choices"),
                Div("focus_areas", css_class="two-column-choices"),
                Div("avoid_areas", css_class="two-column-choices"),
                "area_notes",
                Div("conversation", css_class="inline-choices"),
                "comfort_notes",
            ),
            Fieldset("Consent and contact", *consents),
        )

    def clean(self):
        cleaned = super().clean()
        cautions = set(cleaned.get("cautions") or [])
        if cautions & self.NEEDS_DETAILS and not cleaned.get("caution_details", "").strip():
            self.add_error("caution_details", "Please add details for allergies, medications or other cautions.")
        both = set(cleaned.get("focus_areas") or []) & set(cleaned.get("avoid_areas") or [])
        if both:
            names = ", ".join(label for area, label in BODY_AREAS if area in both)
            self.add_error("avoid_areas", f"{names}: an area cannot be both focused on and avoided.")
        if self.signing:
            if not cleaned.get("consent_to_treatment"):
                self.add_error("consent_to_treatment", "Please give your consent to treatment to continue.")
            if not cleaned.get("signature_name", "").strip():
                self.add_error("signature_name", "Please type your full name as your signature.")
        channel = cleaned.get("reminder_channel")
        if channel == IntakeVersion.ReminderChannel.EMAIL and not self.email:
            self.add_error("reminder_channel", "Reminders by email need an email address.")
        if (channel == IntakeVersion.ReminderChannel.SMS or cleaned.get("marketing_sms")) and not self.phone:
            self.add_error(
                "reminder_channel" if channel == "sms" else "marketing_sms", "Text messages need a phone number."
            )
        if cleaned.get("marketing_email") and not self.email:
            self.add_error("marketing_email", "Emails need an email address.")
        return cleaned

    def answers(self) -> dict:
        """The cleaned data shaped as IntakeVersion fields."""
        data = dict(self.cleaned_data)
        data["pain_ratings"] = {
            area: data.pop(f"pain_{area}") for area, _ in BODY_AREAS if data.get(f"pain_{area}") is not None
        }
        for area, _ in BODY_AREAS:
            data.pop(f"pain_{area}", None)
        return data


def intake_initial(values: dict) -> dict:
    """Form initial data from a version's answers (a returning client confirms or changes them)."""
    initial = {
        key: value
        for key, value in values.items()
        if key not in ("pain_ratings", "consent_to_treatment", "signature_name")
    }
    for area, rating in values.get("pain_ratings", {}).items():
        initial[f"pain_{area}"] = rating
    return initial
