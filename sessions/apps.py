from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # Django ships django.contrib.sessions with the label "sessions"; ours must differ,
    # and a label cannot change once migrations exist.
    label = "therapy_sessions"
    verbose_name = "Appointments and session notes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from clients.page import ClientLink, provide_brief_note, provide_last_signed_note, register_client_links
        from practice.home import register_panel
        from practice.navigation import NavItem, register_nav
        from sessions import notifications  # noqa: F401  (declares the appointment messages' kinds)
        from sessions.notes import brief_note_link, last_signed_note
        from sessions.panels import my_day

        register_panel(my_day)
        provide_last_signed_note(last_signed_note)
        provide_brief_note(brief_note_link)
        register_nav(
            NavItem("Calendar", "sessions:day", "calendar.view", position=10),
            NavItem("My day", "sessions:today", "calendar.view", position=20),
            NavItem("Schedule", "sessions:setup", "schedule.manage", position=120, manage=True),
        )
        register_client_links(
            ClientLink("Book", "sessions:book", "appointments.book", position=10, style="primary"),
            ClientLink("Progress and plans", "sessions:progress", "notes.view", position=30),
        )
