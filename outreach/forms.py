from datetime import timedelta

from django import forms
from django.utils import timezone

from outbox.models import OutboxMessage, kind_label
from outreach.models import FollowUpSettings, Newsletter, ProgressReport, VisitFeedback
from sessions.forms import TherapistChoiceMixin


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *OutboxMessage.Status.choices], required=False)
    kind = forms.ChoiceField(required=False, label="Kind")

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any kind"), *[(kind, kind_label(kind)) for kind in kinds]]


class FeedbackForm(forms.Form):
    """A client's answers about a visit: any of them, each optional (a tap answers one question)."""

    pressure = forms.ChoiceField(choices=VisitFeedback.Pressure.choices, required=False, widget=forms.RadioSelect)
    focus = forms.ChoiceField(choices=VisitFeedback.Focus.choices, required=False, widget=forms.RadioSelect)
    conversation = forms.ChoiceField(
        choices=VisitFeedback.Conversation.choices, required=False, widget=forms.RadioSelect
    )
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 6)], coerce=int, empty_value=None, required=False
    )
    comment = forms.CharField(max_length=2_000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        cleaned = super().clean()
        if not any(value not in (None, "") for value in cleaned.values()):
            raise forms.ValidationError("Choose an answer, or write a few words.")
        return cleaned


class FollowUpSettingsForm(forms.ModelForm):
    class Meta:
        model = FollowUpSettings
        fields = [
            "followup_hour",
            "send_on_closed_days",
            "call_first_timers",
            "call_max_tries",
            "rebook_link_days",
            "recalls_enabled",
            "recall_after_days",
            "digest_hour",
        ]
        labels = {
            "followup_hour": "Send follow-ups at (hour)",
            "send_on_closed_days": "Send follow-ups on closed days too",
            "call_first_timers": "Call first-time clients instead of emailing them",
            "call_max_tries": "Tries before giving up on a call",
            "rebook_link_days": "Rebooking links work for (days)",
            "recalls_enabled": "Send recalls to clients overdue for a visit",
            "recall_after_days": "Recall after (days overdue)",
            "digest_hour": "Email the call list at (hour)",
        }
        help_texts = {
            "followup_hour": "The hour, 6 to 20 in the practice's time, the day after the visit.",
            "send_on_closed_days": "Closed days are weekdays no one works; unticked, a follow-up waits for the "
            "next open day.",
            "call_first_timers": "A first visit deserves a personal call rather than an email.",
            "call_max_tries": "When nobody answers, the call comes back the next day, this many times in all.",
            "rebook_link_days": "How long the link in a follow-up or recall lets a client book again.",
            "recalls_enabled": "An email (to clients who agreed to news) and a call once a client is overdue.",
            "recall_after_days": "Days after the therapist's recommended interval has passed.",
            "digest_hour": "Each member of staff with calls that day gets a list by email at this hour (0 to 23).",
        }

    def clean_followup_hour(self):
        hour = self.cleaned_data["followup_hour"]
        if not 6 <= hour <= 20:
            raise forms.ValidationError("Choose an hour between 6 and 20: nobody likes a follow-up at night.")
        return hour


class NewsletterForm(TherapistChoiceMixin, forms.ModelForm):
    class Meta:
        model = Newsletter
        fields = ["subject", "body_markdown", "audience", "therapist"]
        widgets = {"body_markdown": forms.Textarea(attrs={"rows": 12})}
        labels = {"therapist": "Therapist (for one therapist's clients)"}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == Newsletter.Audience.THERAPIST and not cleaned.get("therapist"):
            self.add_error("therapist", "Choose the therapist whose clients should receive it.")
        return cleaned


class NewsletterScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        required=False,
        label="Send at (empty: now)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_send_at(self):
        send_at = self.cleaned_data["send_at"] or timezone.now()
        if send_at < timezone.now() - timedelta(minutes=5):
            raise forms.ValidationError("That time has passed; leave it empty to send now.")
        return send_at


class ReportCreateForm(forms.Form):
    partner = forms.ModelChoiceField(
        queryset=None,
        label="Report to",
        empty_label="Choose a partner",
        error_messages={"invalid_choice": "Choose one of the partners listed."},
    )
    period_start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners


class ReportNarrativeForm(forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = list(ProgressReport.NARRATIVE)
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in ProgressReport.NARRATIVE}
        help_texts = {
            "presenting_complaint": "Why the client came, in their words and yours.",
            "findings": "What you found by touch and observation.",
            "response": "How pain, movement and daily life changed.",
            "plan": "The plan of care from here.",
            "recommendations": "What you suggest to the doctor and the client (home care, referral back, …).",
        }
