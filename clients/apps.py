from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    label = "clients"
    verbose_name = "Clients and intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from clients import services  # noqa: F401  (declares its message kinds)
        from clients.page import ClientLink, register_client_links
        from practice.navigation import NavItem, register_nav

        register_nav(NavItem("Clients", "clients:client-list", "clients.view", position=30))
        register_client_links(ClientLink("Pre-session brief", "clients:brief", "intake.view", position=20))
