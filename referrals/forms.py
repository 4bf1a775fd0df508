from datetime import timedelta

from django import forms
from django.utils import timezone

from .models import ContactEntry, Partner, Referral

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PartnerForm(forms.ModelForm):
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


class AppointmentRequestForm(forms.Form):
    """A first-appointment request from the practice's public page."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(max_length=40, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    message = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What would you like help with? (optional)",
    )
    consent = forms.BooleanField(label="The practice may contact me about this request")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if sum(ch.isdigit() for ch in phone) < 6 or any(ch.isalpha() for ch in phone):
            raise forms.ValidationError("Enter a phone number with at least six digits.")
        return phone

    def cleaned_data_for_request(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("first_name", "last_name", "email", "phone", "message")}
