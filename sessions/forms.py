"""Forms for booking, moving, cancelling, completing and checking out, and for schedule setup."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from clients.models import BODY_AREAS, BODY_REGIONS, NOTE_AREAS, SIDES, area_label, note_areas
from clients.selectors import client_get_or_none
from library.models import Article
from library.selectors import articles_for_note
from practice.models import User

from .models import (
    WEEKDAYS,
    Appointment,
    CarePhase,
    CheckoutOutcome,
    NoteAddendum,
    Room,
    Service,
    SessionNote,
    Technique,
    TimeOff,
    TreatmentPlan,
    WorkingHours,
)
from .notes import MAX_HANDOUTS

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
        self.fields["therapist"].choices = [("", "Anyone"), *[(t.pk, str(t)) for t in therapists]]

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day < timezone.localdate() - timedelta(days=1):
            raise forms.ValidationError("Choose today or a later day.")
        return day


class MoveForm(forms.Form):
    day = forms.DateField(widget=DATE)
    start = forms.TimeField(widget=TIME, label="Time")
    therapist = forms.TypedChoiceField(coerce=int, label="With")
    # Sent by the "Move anyway" button: the warnings it accepts (sessions.warnings.confirmation).
    confirm = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].choices = [(t.pk, str(t)) for t in therapists]

    def starts_at(self, zone) -> datetime:
        return datetime.combine(self.cleaned_data["day"], self.cleaned_data["start"]).replace(tzinfo=zone)


class BookAtForm(MoveForm):
    """A booking from a free time on the calendar: the therapist and time come filled in; the
    client is chosen from a search, the service from the list."""

    client = forms.UUIDField(error_messages={"required": "Choose the client.", "invalid": "Choose the client."})
    service = forms.ModelChoiceField(queryset=Service.objects.none(), empty_label=None)
    field_order = ["client", "service", "therapist", "day", "start"]

    def __init__(self, *args, practice, therapists, **kwargs):
        super().__init__(*args, therapists=therapists, **kwargs)
        self.practice = practice
        self.fields["service"].queryset = Service.objects.filter(practice=practice, active=True)

    def clean_client(self):
        client = client_get_or_none(practice=self.practice, client_id=self.cleaned_data["client"])
        if client is None:
            raise forms.ValidationError("That client is not in this practice; search again.")
        return client


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[*Appointment.CancelReason.choices, ("no_show", "No-show")], widget=forms.RadioSelect, label="Why"
    )


class CompleteForm(forms.Form):
    """The therapist's advice for the next visit (until treatment plans carry it)."""

    interval_days = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Next visit in",
        choices=[
            ("", "No recommendation"),
            (3, "3 days"),
            (7, "1 week"),
            (14, "2 weeks"),
            (21, "3 weeks"),
            (28, "4 weeks"),
            (42, "6 weeks"),
            (56, "8 weeks"),
        ],
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, label="Service", empty_label="The same service"
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(practice=practice, active=True)


class SeriesForm(forms.Form):
    """A plan's run of visits: `count` visits spread over `within_days`, or a standing appointment."""

    KIND_CHOICES = [
        ("plan", "Series for a plan"),
        ("weekly", "Standing: weekly"),
        ("fortnightly", "Standing: every two weeks"),
        ("monthly", "Standing: every four weeks"),
    ]
    kind = forms.ChoiceField(choices=KIND_CHOICES, widget=forms.RadioSelect, initial="plan")
    count = forms.IntegerField(min_value=2, max_value=26, initial=4, label="Visits")
    within_days = forms.IntegerField(min_value=1, max_value=365, initial=10, required=False, label="Within days (plan)")
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
    reason = forms.ChoiceField(
        choices=CheckoutOutcome.Reason.choices, widget=forms.RadioSelect, label="Not booked, because"
    )
    note = forms.CharField(required=False, max_length=300)


class PracticeRowForm(forms.ModelForm):
    """A row of the practice given as the instance's practice: the model's constraints that name
    the practice (a unique name per practice) are checked with the form's, for a message instead
    of a database error, although the practice is not one of the form's fields."""

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() - {"practice"}


class ServiceForm(PracticeRowForm):
    class Meta:
        model = Service
        fields = ["name", "duration_minutes", "buffer_after_minutes", "price", "active"]


class TechniqueForm(PracticeRowForm):
    class Meta:
        model = Technique
        fields = ["name"]


class CarePhaseForm(PracticeRowForm):
    class Meta:
        model = CarePhase
        fields = ["name", "position"]


class RoomForm(PracticeRowForm):
    class Meta:
        model = Room
        fields = ["name", "active"]


class TherapistChoiceMixin:
    """The therapist is one of the practice's (given as `therapists`), chosen by name; the form sets
    it on the row it saves."""

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["therapist"]
        field.queryset = User.objects.filter(pk__in=[therapist.pk for therapist in therapists])
        field.label_from_instance = str  # the name, else the email (User.__str__)
        field.empty_label = "—" if not field.required else None


class WorkingHoursForm(TherapistChoiceMixin, PracticeRowForm):
    class Meta:
        model = WorkingHours
        fields = ["therapist", "weekday", "starts", "ends"]
        widgets = {"starts": TIME, "ends": TIME}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts") and cleaned.get("ends") and cleaned["ends"] <= cleaned["starts"]:
            self.add_error("ends", "The end must be after the start.")
        return cleaned


class TimeOffForm(TherapistChoiceMixin, PracticeRowForm):
    class Meta:
        model = TimeOff
        fields = ["therapist", "starts_at", "ends_at", "reason"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", "The end must be after the start.")
        return cleaned


class AddendumForm(forms.Form):
    text = forms.CharField(
        max_length=NoteAddendum._meta.get_field("text").max_length,
        error_messages={"required": "Write the addendum first."},
    )


class HandoutChoiceField(forms.ModelMultipleChoiceField):
    """The library's articles a note can give for home care; those that fit the client come first."""

    def label_from_instance(self, article):
        return f"{article.title} (suggested)" if getattr(article, "suggested", 0) else article.title


class NoteForm(forms.ModelForm):
    """The SOAP note. Pain ratings per body area use the intake's body areas (so they compare with
    its ratings and with each other over time); the areas worked are the body chart's, sides apart."""

    areas_worked = forms.MultipleChoiceField(
        choices=NOTE_AREAS, widget=forms.CheckboxSelectMultiple, required=False, label="Areas worked"
    )
    techniques = forms.ModelMultipleChoiceField(
        queryset=Technique.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    handouts = HandoutChoiceField(
        queryset=Article.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Home-care handouts",
        help_text="One or two from the practice's library; the client reads them from the next-day email.",
    )

    class Meta:
        model = SessionNote
        fields = [
            "subjective",
            "changes_since_last",
            "tissue_quality",
            "trigger_points",
            "range_of_motion",
            "posture",
            "assessment",
            "plan_focus",
            "plan_interval_days",
            "home_care",
            "pressure_used",
            "areas_worked",
            "techniques",
            "handouts",
            "pressure_feedback",
            "duration_minutes",
            "client_summary",
            "summary_approved",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in [
                "subjective",
                "changes_since_last",
                "tissue_quality",
                "trigger_points",
                "range_of_motion",
                "posture",
                "assessment",
                "plan_focus",
                "home_care",
                "client_summary",
            ]
        }
        labels = {"summary_approved": "The summary may be sent to the client"}

    def __init__(self, *args, practice, intake=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["techniques"].queryset = Technique.objects.filter(practice=practice, active=True)
        self.fields["handouts"].queryset = articles_for_note(
            practice=practice,
            focus_areas=intake.focus_areas if intake else (),
            reason_text=f"{intake.reason_for_visit} {intake.goals}" if intake else "",
            attached_ids=self.instance.handouts.values_list("pk", flat=True) if self.instance.pk else (),
        )
        self.fields["pressure_used"].widget = forms.RadioSelect(choices=SessionNote.Pressure.choices)
        self.fields["pressure_feedback"].widget = forms.RadioSelect(choices=SessionNote.Feedback.choices)
        ratings = self.instance.pain_ratings if self.instance.pk else {}
        if self.instance.pk:  # a draft begun before the chart had sides shows the regions it meant
            self.initial["areas_worked"] = note_areas(self.instance.areas_worked)
        for area, label in BODY_AREAS:
            self.fields[f"pain_{area}"] = forms.IntegerField(
                min_value=0,
                max_value=10,
                required=False,
                label=label,
                initial=ratings.get(area),
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 10, "placeholder": "–"}),
                error_messages={"min_value": "0 to 10, please.", "max_value": "0 to 10, please."},
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("summary_approved") and not cleaned.get("client_summary", "").strip():
            self.add_error("client_summary", "Write the summary before approving it.")
        return cleaned

    def clean_handouts(self):
        handouts = self.cleaned_data["handouts"]
        if len(handouts) > MAX_HANDOUTS:
            raise forms.ValidationError("Choose one or two handouts, not more.")
        return handouts

    def area_rows(self) -> list[dict]:
        """The areas worked as the form lays them out: a row per region, its left and right apart."""
        chosen = set(self["areas_worked"].value() or [])  # as posted, or as the draft has them

        def box(key, shown):
            return {"key": key, "shown": shown, "label": area_label(key), "checked": key in chosen}

        return [
            {
                "region": label,
                "boxes": [box(f"{region}_{side}", shown) for side, shown in SIDES] if sided else [box(region, "")],
            }
            for region, label, sided in BODY_REGIONS
        ]

    def note_fields(self) -> dict:
        """Cleaned data as SessionNote fields (techniques and handouts apart)."""
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if not name.startswith("pain_") and name not in ("techniques", "handouts")
        }
        data["pain_ratings"] = {
            area: self.cleaned_data[f"pain_{area}"]
            for area, _ in BODY_AREAS
            if self.cleaned_data.get(f"pain_{area}") is not None
        }
        return data


class PlanForm(forms.ModelForm):
    RHYTHMS = [("within", "A number of sessions within some days"), ("every", "Every so many days")]
    rhythm = forms.ChoiceField(choices=RHYTHMS, widget=forms.RadioSelect, initial="within")
    # Declared here: ModelForm would build these from the scoped managers outside any practice.
    phase = forms.ModelChoiceField(queryset=CarePhase.objects.none(), label="Phase of care")
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False, empty_label="As booked")

    class Meta:
        model = TreatmentPlan
        fields = [
            "phase",
            "goals",
            "rhythm",
            "sessions_planned",
            "within_days",
            "every_days",
            "service",
            "starts_on",
            "review_on",
        ]
        widgets = {"starts_on": DATE, "review_on": DATE, "goals": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = CarePhase.objects.filter(practice=practice)
        self.fields["service"].queryset = Service.objects.filter(practice=practice, active=True)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rhythm") == "within":
            cleaned["every_days"] = None
            if not cleaned.get("within_days"):
                self.add_error("within_days", 'Within how many days? ("4 sessions within 10 days")')
            if not cleaned.get("sessions_planned") or cleaned["sessions_planned"] < 1:
                self.add_error("sessions_planned", "How many sessions?")
        else:
            cleaned["within_days"] = None
            if not cleaned.get("every_days"):
                self.add_error("every_days", 'Every how many days? ("weekly" is 7)')
        review, starts = cleaned.get("review_on"), cleaned.get("starts_on")
        if review and starts and review < starts:
            self.add_error("review_on", "The review comes after the start.")
        return cleaned


class WaitlistEntryForm(forms.Form):
    """What a waiting client would take: the service, with whom, which days and hours, until when."""

    service = forms.ModelChoiceField(queryset=Service.objects.none())
    therapist = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="With")
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Days that suit",
        help_text="None ticked: any day.",
    )
    earliest = forms.TimeField(widget=TIME, initial=time(8), label="Starting from")
    latest = forms.TimeField(widget=TIME, initial=time(20), label="Finished by")
    until = forms.DateField(widget=DATE, label="Waiting until", help_text="The last day a visit is still wanted.")
    note = forms.CharField(max_length=300, required=False, label="Note for the desk")

    def __init__(self, *args, practice, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = practice.zone
        self.fields["service"].queryset = Service.objects.filter(practice=practice, active=True)
        self.fields["therapist"].choices = [("", "Anyone"), *[(t.pk, str(t)) for t in therapists]]
        self.therapists = {t.pk: t for t in therapists}
        self.fields["until"].initial = timezone.localdate(timezone=self.zone) + timedelta(days=28)

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until < timezone.localdate(timezone=self.zone):
            raise forms.ValidationError("Choose today or a later day.")
        return until

    def clean(self):
        data = super().clean()
        if data.get("earliest") and data.get("latest") and data["latest"] <= data["earliest"]:
            self.add_error("latest", "The end of the hours must come after their start.")
        return data

    def entry_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["therapist"] = self.therapists.get(data["therapist"])
        return data
