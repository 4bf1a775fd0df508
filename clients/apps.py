from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    label = "clients"
    verbose_name = "Clients and intake"
    default_auto_field = "django.db.models.BigAutoField"
