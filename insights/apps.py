from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """The practice's figures, the top layer: it reads every app below and nothing reads it."""

    name = "insights"
    verbose_name = "Figures"

    def ready(self):
        from practice.navigation import NavItem, register_nav

        register_nav(
            NavItem("Figures", "insights:rebooking", "figures.view", position=60),
            NavItem("Retention", "insights:retention", "retention.view", position=65),
        )
