"""Server-side SVG charts (pygal): the same chart serves the browser and, later, PDFs."""

import sys

import pygal
from pygal.style import Style

# pygal registers an old-style import hook (for its map plugins, unused here) that lacks find_spec;
# importers that ask every hook for find_spec (pytest's importlib mode among them) then fail.
sys.meta_path[:] = [hook for hook in sys.meta_path if type(hook).__name__ != "PluginImportFixer"]


CHART_STYLE = Style(
    colors=("#2f6f68", "#b3261e", "#0b6fa4", "#8a5a00", "#6a4c93", "#2e7d32", "#c2185b"),
    background="white",
    plot_background="white",
    foreground="#1f2a28",
    foreground_strong="#1f2a28",
    foreground_subtle="#5b6b68",
    font_family="sans-serif",
)


def rebooked_by_month(rows) -> str:
    """Bar chart of the practice's share of completed visits rebooked at checkout, per month."""
    months = {}
    for row in rows:
        total = months.setdefault(row["month"], [0, 0])
        total[0] += row["at_checkout"]
        total[1] += row["completed"]
    ordered = sorted(months.items())
    chart = pygal.Bar(
        height=260,
        width=760,
        show_legend=False,
        range=(0, 100),
        js=[],
        style=CHART_STYLE,
        title="Rebooked at checkout (%)",
    )
    chart.x_labels = [month.strftime("%b %Y") for month, _ in ordered]
    chart.add("Rebooked", [round(100 * booked / done) if done else None for _, (booked, done) in ordered])
    return chart.render(is_unicode=True)


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
    from clients.models import BODY_AREA_LABELS

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
        chart.add(BODY_AREA_LABELS.get(area, area), [rated.get(area) for rated in ratings])
    return chart.render(is_unicode=True)
