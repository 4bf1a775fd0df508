"""What an intake says, field by field: for comparing versions and for the consent ledger."""

from clients.models import BODY_AREA_LABELS, IntakeVersion

# The fields an intake records, in reading order; `number`, authorship and signature metadata excluded.
INTAKE_FIELDS = [
    "cautions",
    "caution_details",
    "pain_ratings",
    "reason_for_visit",
    "goals",
    "pressure",
    "focus_areas",
    "avoid_areas",
    "area_notes",
    "conversation",
    "comfort_notes",
    "consent_to_treatment",
    "signature_name",
    "reminder_channel",
    "followup_consent",
    "marketing_email",
    "marketing_sms",
]


def intake_values(version: IntakeVersion | None) -> dict:
    """The intake's answers as plain data (what a form starts from, what export writes)."""
    if version is None:
        return {}
    return {name: getattr(version, name) for name in INTAKE_FIELDS}


def display_value(name: str, value) -> str:
    """An answer as a person reads it."""
    field = IntakeVersion._meta.get_field(name)
    if name == "cautions":
        labels = dict(IntakeVersion.Caution.choices)
        return ", ".join(labels.get(key, key) for key in value) or "none"
    if name in ("focus_areas", "avoid_areas"):
        return ", ".join(BODY_AREA_LABELS.get(key, key) for key in value) or "none"
    if name == "pain_ratings":
        return ", ".join(f"{BODY_AREA_LABELS.get(area, area)} {rating}/10" for area, rating in value.items()) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.choices:
        return dict(field.choices).get(value, value) or "–"
    return value or "–"


def intake_changes(older: IntakeVersion | None, newer: IntakeVersion) -> list[dict]:
    """What differs between two versions: [{field, label, before, after}], in form order."""
    before, after = intake_values(older), intake_values(newer)
    changes = []
    for name in INTAKE_FIELDS:
        if older is not None and before[name] == after[name]:
            continue
        if older is None and not after[name]:
            continue
        changes.append(
            {
                "field": name,
                "label": IntakeVersion._meta.get_field(name).verbose_name.capitalize(),
                "before": display_value(name, before[name]) if older is not None else "",
                "after": display_value(name, after[name]),
            }
        )
    return changes
