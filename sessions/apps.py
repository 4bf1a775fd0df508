from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # Django ships django.contrib.sessions with the label "sessions"; ours must differ,
    # and a label cannot change once migrations exist.
    label = "therapy_sessions"
    verbose_name = "Appointments and session notes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from practice.home import register_panel
        from sessions.panels import my_day

        register_panel(my_day)
