"""The practice's figures as charts (pygal SVG)."""

import pygal

from practice.charts import CHART_STYLE
from referrals.models import Referral

from .selectors import COHORT_MONTHS


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


def streams_chart(rows) -> str:
    """New clients per month, stacked by where they came from."""
    ordered = list(reversed(rows))
    chart = pygal.StackedBar(
        height=300, width=760, js=[], style=CHART_STYLE, legend_at_bottom=True, title="New clients per month, by stream"
    )
    chart.x_labels = [row["month"].strftime("%b %Y") for row in ordered]
    for value, label in Referral.Stream.choices:
        chart.add(label, [row["counts"][value] for row in ordered])
    return chart.render(is_unicode=True)


def cohorts_chart(cohorts) -> str:
    """Per cohort month (oldest first): the share of its clients still coming 1, 3, 6 and 12 months
    after their first visit. A cohort too young for a month has no point there; one of fewer than
    `MIN_BASE` clients has none at all (its counts are in the page's table)."""
    chart = pygal.Line(
        height=300,
        width=760,
        range=(0, 100),
        js=[],
        style=CHART_STYLE,
        legend_at_bottom=True,
        x_label_rotation=30,
        allow_interruptions=True,
        title="Still coming after their first visit (% of each month's new clients)",
    )
    chart.x_labels = [f"{cohort.month:%b %Y}" for cohort in cohorts]
    for n, label in zip(COHORT_MONTHS, ("1 month", "3 months", "6 months", "12 months"), strict=True):
        values = []
        for cohort in cohorts:
            share = cohort.cells[COHORT_MONTHS.index(n)]
            values.append(share.percent if share is not None else None)
        chart.add(label, values)
    return chart.render(is_unicode=True)
