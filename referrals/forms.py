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
