from django import forms

from outreach.engine.models import OutboxMessage, kind_label
from outreach.models import FollowUpSettings


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *OutboxMessage.Status.choices], required=False)
    kind = forms.ChoiceField(required=False, label="Kind")

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any kind"), *[(kind, kind_label(kind)) for kind in kinds]]


class FollowUpSettingsForm(forms.ModelForm):
    class Meta:
        model = FollowUpSettings
        fields = ["followup_hour", "send_on_closed_days", "call_first_timers", "call_max_tries", "rebook_link_days"]

    def clean_followup_hour(self):
        hour = self.cleaned_data["followup_hour"]
        if not 6 <= hour <= 20:
            raise forms.ValidationError("Choose an hour between 6 and 20: nobody likes a follow-up at night.")
        return hour
