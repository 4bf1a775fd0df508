"""A client's pain over time (pygal SVG), on the progress page and in progress-report PDFs."""

import pygal

from practice.charts import CHART_STYLE


def pain_over_time(notes, zone) -> str:
    """Line chart of the pain ratings in signed notes, one line per body area rated."""
    notes = list(notes)
    return pain_chart(
        [note.visit.starts_at.astimezone(zone).strftime("%d %b %y") for note in notes],
        [note.pain_ratings for note in notes],
    )


def pain_chart(labels: list[str], ratings: list[dict], *, width: int = 760, height: int = 300) -> str:
    """One line per body area over the visits labelled `labels`; `ratings` holds each visit's
    {area: 0-10}. Also drawn into progress-report PDFs, where it stays vector graphics."""
    from clients.models import area_label

    areas = sorted({area for rated in ratings for area in rated})
    chart = pygal.Line(
        height=height,
        width=width,
        range=(0, 10),
        js=[],
        style=CHART_STYLE,
        dots_size=4,
        title="Pain (0-10) at each visit",
        legend_at_bottom=True,
        allow_interruptions=True,
        truncate_label=-1,
        x_label_rotation=40 if len(labels) > 10 else 0,
    )  # dates stay whole
    chart.x_labels = labels
    for area in areas:
        chart.add(area_label(area), [rated.get(area) for rated in ratings])
    return chart.render(is_unicode=True)
