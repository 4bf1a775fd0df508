"""Panels on the practice home page, contributed by the apps above this one (which this bottom
layer may not import): each app registers a function in its AppConfig.ready that returns
(template name, context) for the request, or None when it has nothing to show."""

PANELS = []


def register_panel(panel):
    PANELS.append(panel)
    return panel


def home_panels(request) -> list[tuple[str, dict]]:
    return [shown for shown in (panel(request) for panel in PANELS) if shown]
