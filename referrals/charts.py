"""The streams chart: new clients per month, stacked by where they came from."""

import pygal

from sessions.charts import CHART_STYLE  # also removes pygal's old import hook

from .models import Referral


def streams_chart(rows) -> str:
    ordered = list(reversed(rows))
    chart = pygal.StackedBar(
        height=300, width=760, js=[], style=CHART_STYLE, legend_at_bottom=True, title="New clients per month, by stream"
    )
    chart.x_labels = [row["month"].strftime("%b %Y") for row in ordered]
    for value, label in Referral.Stream.choices:
        chart.add(label, [row["counts"][value] for row in ordered])
    return chart.render(is_unicode=True)
