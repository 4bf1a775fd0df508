"""Catch it before the client feels it: a note whose session went against what the client asked for
in their intake (worked an area they asked to avoid, none of the areas they came for, a pressure
other than the one they prefer). The note form says so before signing; a note signed anyway keeps
which wishes it went against (SessionNote.against_wishes), and the owner sees them counted per
therapist."""

from dataclasses import dataclass

from django.db.models import Count, Q

from clients.models import EARLIER_NOTE_AREAS, area_label, note_areas

from .models import SessionNote

AVOID, FOCUS, PRESSURE = "avoid", "focus", "pressure"
KIND_LABELS = {AVOID: "Worked an area to avoid", FOCUS: "Missed every focus area", PRESSURE: "Other pressure"}
# The chart's sided regions under the intake's coarser areas ("shoulder_left" is in "shoulders").
INTAKE_AREA_OF = {region: area for area, regions in EARLIER_NOTE_AREAS.items() for region in regions}


@dataclass(frozen=True)
class Wish:
    kind: str  # AVOID, FOCUS or PRESSURE
    message: str


def against_wishes(*, note: SessionNote, intake) -> list[Wish]:
    """What the note's session did against the client's intake (their latest version), in words
    for the therapist. Nothing when there is no intake or the note says too little to tell."""
    if intake is None:
        return []
    name = note.client.preferred_name or note.client.first_name
    worked = note_areas(note.areas_worked)
    worked_intake_areas = {INTAKE_AREA_OF.get(region, region) for region in worked}
    found = []
    avoided = [region for region in worked if INTAKE_AREA_OF.get(region, region) in set(intake.avoid_areas)]
    if avoided:
        areas = ", ".join(area_label(region).lower() for region in avoided)
        found.append(
            Wish(AVOID, f"You marked the {areas} as worked; {name} asked to avoid {_areas(intake.avoid_areas)}.")
        )
    if worked and intake.focus_areas and not worked_intake_areas & set(intake.focus_areas):
        found.append(
            Wish(
                FOCUS, f"None of the areas {name} asked to focus on ({_areas(intake.focus_areas)}) is marked as worked."
            )
        )
    if note.pressure_used and intake.pressure and note.pressure_used != intake.pressure:
        used = note.get_pressure_used_display().lower()
        found.append(Wish(PRESSURE, f"Pressure used: {used}; {name} prefers {intake.get_pressure_display().lower()}."))
    return found


def _areas(keys) -> str:
    return ", ".join(area_label(key).lower() for key in keys)


def against_wishes_by_therapist(*, practice, since, until) -> list[dict]:
    """Notes signed in [since, until) that went against the client's wishes, per therapist: one
    query. Each row: `therapist` (their name) and `therapist_id`, `signed` (all notes signed),
    `against` (those against the wishes), and `counts`, one per kind in KIND_LABELS' order."""
    signed = SessionNote.objects.filter(practice=practice, signed_at__gte=since, signed_at__lt=until)
    counts = {kind: Count("id", filter=Q(against_wishes__contains=[kind])) for kind in KIND_LABELS}
    rows = (
        signed.values("therapist_id", "therapist__first_name", "therapist__last_name", "therapist__email")
        .annotate(signed=Count("id"), against=Count("id", filter=~Q(against_wishes=[])), **counts)
        .order_by("therapist__first_name", "therapist__last_name")
    )
    return [
        {
            "therapist_id": row["therapist_id"],
            "therapist": f"{row['therapist__first_name']} {row['therapist__last_name']}".strip()
            or row["therapist__email"],
            "signed": row["signed"],
            "against": row["against"],
            "counts": [row[kind] for kind in KIND_LABELS],
        }
        for row in rows
        if row["against"]
    ]
