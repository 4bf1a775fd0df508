from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outbox and consent ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from outbox import (
            checks,  # noqa: F401  (registers the message-kind check)
            receivers,  # noqa: F401  (connects the signal receivers, declares the invitation's kind)
        )
