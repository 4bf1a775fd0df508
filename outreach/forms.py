from django import forms

from outreach.engine.models import OutboxMessage, kind_label


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *OutboxMessage.Status.choices], required=False)
    kind = forms.ChoiceField(required=False, label="Kind")

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any kind"), *[(kind, kind_label(kind)) for kind in kinds]]
