from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    label = "practice"
    verbose_name = "Practices and staff"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from practice.tenancy import install_practice_batches

        install_practice_batches()
