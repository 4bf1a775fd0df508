from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """The practice's figures, the top layer: it reads every app below and nothing reads it."""

    name = "insights"
    verbose_name = "Figures"

    def ready(self):
        from practice.navigation import NavItem, register_nav

        register_nav(
            NavItem("Figures", "insights:rebooking", "figures.view", position=60),
            # Under "Manage": the owner's view of the practice over months, not the day's work.
            NavItem("Retention", "insights:retention", "retention.view", position=65, manage=True),
        )
