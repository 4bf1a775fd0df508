"""Forms for booking, moving, cancelling, completing and checking out, and for schedule setup."""

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from .models import Appointment, CheckoutOutcome, Room, Service, TimeOff, WorkingHours

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")


class FindTimeForm(forms.Form):
    """Which service, with whom, from which day: the open slots follow."""

    service = forms.ModelChoiceField(queryset=Service.objects.none())
    therapist = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="With")
    day = forms.DateField(widget=DATE, label="From")

    def __init__(self, *args, practice, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(practice=practice, active=True)
        self.fields["therapist"].choices = [("", "Anyone"), *[(t.pk, t.get_full_name() or t.email) for t in therapists]]

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day < timezone.localdate() - timedelta(days=1):
            raise forms.ValidationError("Choose today or a later day.")
        return day


class MoveForm(forms.Form):
    day = forms.DateField(widget=DATE)
    start = forms.TimeField(widget=TIME, label="Time")
    therapist = forms.TypedChoiceField(coerce=int, label="With")

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].choices = [(t.pk, t.get_full_name() or t.email) for t in therapists]

    def starts_at(self, zone) -> datetime:
        return datetime.combine(self.cleaned_data["day"], self.cleaned_data["start"]).replace(tzinfo=zone)


class CancelForm(forms.Form):
    reason = forms.ChoiceField(choices=[*Appointment.CancelReason.choices, ("no_show", "No-show")],
                               widget=forms.RadioSelect, label="Why")


class CompleteForm(forms.Form):
    """The therapist's advice for the next visit (until treatment plans carry it)."""

    interval_days = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Next visit in",
        choices=[("", "No recommendation"), (3, "3 days"), (7, "1 week"), (14, "2 weeks"), (21, "3 weeks"),
                 (28, "4 weeks"), (42, "6 weeks"), (56, "8 weeks")])
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False, label="Service",
                                     empty_label="The same service")

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(practice=practice, active=True)


class SeriesForm(forms.Form):
    """A plan's run of visits: `count` visits spread over `within_days`, or a standing appointment."""

    KIND_CHOICES = [("plan", "Series for a plan"), ("weekly", "Standing: weekly"),
                    ("fortnightly", "Standing: every two weeks"), ("monthly", "Standing: every four weeks")]
    kind = forms.ChoiceField(choices=KIND_CHOICES, widget=forms.RadioSelect, initial="plan")
    count = forms.IntegerField(min_value=2, max_value=26, initial=4, label="Visits")
    within_days = forms.IntegerField(min_value=1, max_value=365, initial=10, required=False,
                                     label="Within days (plan)")
    first_day = forms.DateField(widget=DATE, label="First visit")
    start = forms.TimeField(widget=TIME, label="Time")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "plan" and not cleaned.get("within_days"):
            self.add_error("within_days", "How many days should the plan's visits fit in?")
        return cleaned

    def starts(self, zone) -> list[datetime]:
        """The visits' start times: a plan spreads them evenly (rounded to whole days); standing
        appointments repeat on the same weekday and time. Local wall-clock times, so a series that
        crosses a daylight-saving change keeps its hour."""
        data = self.cleaned_data
        count, first = data["count"], data["first_day"]
        if data["kind"] == "plan":
            step = max(1, (data["within_days"] - 1) // (count - 1)) if count > 1 else 1
            days = [first + timedelta(days=step * n) for n in range(count)]
        else:
            weeks = {"weekly": 1, "fortnightly": 2, "monthly": 4}[data["kind"]]
            days = [first + timedelta(weeks=weeks * n) for n in range(count)]
        return [datetime.combine(day, data["start"]).replace(tzinfo=zone) for day in days]


class NotBookedForm(forms.Form):
    reason = forms.ChoiceField(choices=CheckoutOutcome.Reason.choices, widget=forms.RadioSelect,
                               label="Not booked, because")
    note = forms.CharField(required=False, max_length=300)


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "duration_minutes", "buffer_after_minutes", "price", "active"]


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "active"]


class WorkingHoursForm(forms.ModelForm):
    therapist = forms.TypedChoiceField(coerce=int)

    class Meta:
        model = WorkingHours
        fields = ["therapist", "weekday", "starts", "ends"]
        widgets = {"starts": TIME, "ends": TIME}

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].choices = [(t.pk, t.get_full_name() or t.email) for t in therapists]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts") and cleaned.get("ends") and cleaned["ends"] <= cleaned["starts"]:
            self.add_error("ends", "The end must be after the start.")
        return cleaned


class TimeOffForm(forms.ModelForm):
    therapist = forms.TypedChoiceField(coerce=int)

    class Meta:
        model = TimeOff
        fields = ["therapist", "starts_at", "ends_at", "reason"]
        widgets = {"starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].choices = [(t.pk, t.get_full_name() or t.email) for t in therapists]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", "The end must be after the start.")
        return cleaned
