from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    label = "outreach"
    verbose_name = "Outreach"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from outreach.engine import receivers  # noqa: F401  (connects the signal receivers)
