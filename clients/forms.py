"""Client record and intake forms. Every rule gives a message next to its field; what was typed
stays in the form when something is wrong."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row
from django import forms
from django.db import models
from django.utils import timezone

from clients.intake import PAIN_INTRO, QUESTIONS, SECTIONS, Question
from clients.models import BODY_AREAS, Client, EmergencyAccess, IntakeVersion
from practice.phones import PhoneNumbersForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO_UNKNOWN = [("", "Not asked"), ("true", "Yes"), ("false", "No")]


def _yes_no(value):
    return {"true": True, "false": False}.get(value)


class ClientDetailsForm(PhoneNumbersForm, forms.ModelForm):
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


def _question_field(question: Question) -> forms.Field:
    """The form field that asks one question, shaped by the model field that keeps its answer."""
    model_field = question.model_field
    common = {"label": question.ask, "help_text": question.help, "required": question.required}
    if question.choices:
        return forms.MultipleChoiceField(choices=question.choices, widget=forms.CheckboxSelectMultiple, **common)
    if isinstance(model_field, models.BooleanField):
        return forms.BooleanField(**common)
    if model_field.choices:
        initial = None if model_field.default is models.NOT_PROVIDED else model_field.default
        return forms.ChoiceField(choices=model_field.choices, widget=forms.RadioSelect, initial=initial, **common)
    widget = forms.Textarea(attrs={"rows": 2}) if isinstance(model_field, models.TextField) else None
    return forms.CharField(max_length=model_field.max_length, widget=widget, **common)


def _pain_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
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


class IntakeForm(forms.Form):
    """Health history, pain ratings, preferences and consents, asked as clients.intake.QUESTIONS
    says. `signing` asks for the client's consent and typed signature (the self-service link);
    staff edits carry the signature over. `email` and `phone` are the contact details the consents
    will use."""

    NEEDS_DETAILS = {IntakeVersion.Caution.ALLERGIES, IntakeVersion.Caution.MEDICATIONS, IntakeVersion.Caution.OTHER}

    def __init__(self, *args, signing: bool, email: str = "", phone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.signing, self.email, self.phone = signing, email, phone
        self.questions = [q for q in QUESTIONS if signing or not q.signing_only]
        for question in self.questions:
            if question.name == "pain_ratings":
                self.fields.update({f"pain_{area}": _pain_field(label) for area, label in BODY_AREAS})
            else:
                self.fields[question.name] = _question_field(question)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*[self._fieldset(section) for section in SECTIONS])

    def _fieldset(self, section: str) -> Fieldset:
        items = []
        for question in self.questions:
            if question.section != section:
                continue
            if question.name == "pain_ratings":
                items.append(HTML(f'<p class="form-text mt-0">{PAIN_INTRO}</p>'))
                columns = [Column(f"pain_{area}", css_class="col-6 col-md-4 col-lg-3") for area, _ in BODY_AREAS]
                items.append(Row(*columns))
            else:
                items.append(Div(question.name, css_class=question.layout) if question.layout else question.name)
        return Fieldset(section, *items)

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
    not_carried = {"pain_ratings"} | {q.name for q in QUESTIONS if q.signing_only}  # signed anew each time
    initial = {key: value for key, value in values.items() if key not in not_carried}
    for area, rating in values.get("pain_ratings", {}).items():
        initial[f"pain_{area}"] = rating
    return initial


class EmergencyAccessForm(forms.Form):
    """Why a therapist needs the record of a client they have not seen: a sentence, not a word."""

    reason = forms.CharField(
        label="Why do you need this record now?",
        min_length=EmergencyAccess.REASON_MIN_LENGTH,
        max_length=EmergencyAccess.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: covering for a colleague who is ill, the client is on my table today. "
        "The owners read this.",
        error_messages={
            "required": "Say why you need the record.",
            "min_length": "Say in a sentence why you need the record (at least %(limit_value)d characters).",
        },
    )

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())  # one line in the audit log
        if len(reason) < EmergencyAccess.REASON_MIN_LENGTH:
            limit = {"limit_value": EmergencyAccess.REASON_MIN_LENGTH}
            raise forms.ValidationError(self.fields["reason"].error_messages["min_length"] % limit)
        return reason
