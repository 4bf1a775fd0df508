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
        self._add_to_the_timeline()
        self._keep_records_to_their_readers()

    @staticmethod
    def _add_to_the_timeline():
        from clients.selectors import intake_timeline
        from clients.timeline import register_timeline_source

        register_timeline_source("intake", "Intake", "intake.view", intake_timeline, entry_label="Intake", position=50)

    @staticmethod
    def _keep_records_to_their_readers():
        from clients.record_access import record_rule, register_client_key, register_nested_key
        from practice.access import register_record_rule

        register_client_key("client_id", lambda practice, client_id: client_id)
        register_nested_key("version_id", under="client_id")  # an intake version, read under its client
        register_record_rule(record_rule)
