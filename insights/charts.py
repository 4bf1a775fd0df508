"""The practice's figures as charts (pygal SVG)."""

import pygal

from practice.charts import CHART_STYLE
from referrals.models import Referral


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
