from datetime import timedelta

from django import forms
from django.utils import timezone

from practice.phones import PhoneNumbersForm

from .models import ContactEntry, Partner, Referral, ReferralProgram, VettingAnswer

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PartnerForm(PhoneNumbersForm, forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Partner
        fields = ["organisation", "contact_name", "kind", "address", "phone", "fax", "email", "website", "notes"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2}), "notes": forms.Textarea(attrs={"rows": 3})}


class ContactForm(forms.ModelForm):
    next_contact_on = forms.DateField(required=False, widget=DATE, label="Next contact (empty: suggested)")

    class Meta:
        model = ContactEntry
        fields = ["kind", "on", "summary", "materials"]
        widgets = {"on": DATE, "summary": forms.Textarea(attrs={"rows": 2})}

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate() + timedelta(days=1):
            raise forms.ValidationError("Log contacts that happened; plan the next one below.")
        return on


class ReferralForm(forms.Form):
    """Where the client came from: a partner, another client (by email), or a stream."""

    stream = forms.ChoiceField(choices=Referral.Stream.choices, label="Stream")
    partner = forms.TypedChoiceField(required=False, coerce=str, empty_value=None, label="Partner")
    referring_client_email = forms.EmailField(required=False, label="Referring client's email")

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "—"), *[(str(p.pk), p.organisation) for p in partners]]


class AppointmentRequestForm(PhoneNumbersForm, forms.Form):
    """A first-appointment request from the practice's public page."""

    phone_fields = ("phone",)

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    message = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What would you like help with? (optional)",
    )
    consent = forms.BooleanField(label="The practice may contact me about this request")

    def cleaned_data_for_request(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("first_name", "last_name", "email", "phone", "message")}


class ChecklistForm(forms.Form):
    """Answers to the practice's vetting questions for one partner: each may be left unanswered."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q-{question.pk}"] = forms.ChoiceField(
                choices=[("", "—"), *VettingAnswer.Answer.choices], required=False, label=question.text
            )
            self.fields[f"note-{question.pk}"] = forms.CharField(max_length=300, required=False, label="Note")

    def answers(self) -> list[tuple]:
        """(question, answer, note) for each question answered."""
        return [
            (question, self.cleaned_data[f"q-{question.pk}"], self.cleaned_data[f"note-{question.pk}"])
            for question in self.questions
            if self.cleaned_data[f"q-{question.pk}"]
        ]


class OutgoingReferralForm(forms.Form):
    client_email = forms.EmailField(required=False, label="Client's email (only with their agreement)")
    client_agreed = forms.BooleanField(required=False)
    note = forms.CharField(max_length=300, required=False)


class RewardsForm(forms.ModelForm):
    checked_rules = forms.BooleanField(required=False)

    class Meta:
        model = ReferralProgram
        fields = ["rewards_enabled", "reward_text"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rewards_enabled") and not cleaned.get("checked_rules"):
            self.add_error(None, "Confirm that you checked the rules on referral fees for your profession and place.")
        return cleaned


class QuestionForm(forms.Form):
    """A new question for the checklist, or `toggle`: the question to retire or bring back."""

    text = forms.CharField(
        max_length=200, required=False, error_messages={"max_length": "Keep the question under 200 characters."}
    )
    toggle = forms.UUIDField(required=False)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("toggle") and not cleaned.get("text"):
            self.add_error("text", "Write the question.")
        return cleaned
