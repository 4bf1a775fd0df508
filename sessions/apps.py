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
        from sessions.panels import my_day, notes_against_wishes
        from sessions.signals import slot_freed
        from sessions.waitlist import offer_freed_time

        register_panel(my_day)
        register_panel(notes_against_wishes)
        slot_freed.connect(offer_freed_time, dispatch_uid="waitlist-offers-freed-time")
        provide_last_signed_note(last_signed_note)
        provide_brief_note(brief_note_link)
        register_nav(
            NavItem("Calendar", "sessions:day", "calendar.view", position=10),
            NavItem("My day", "sessions:today", "calendar.view", position=20),
            NavItem("Waitlist", "sessions:waitlist", "appointments.book", position=35),
            NavItem("Schedule", "sessions:setup", "schedule.manage", position=120, manage=True),
        )
        register_client_links(
            ClientLink("Book", "sessions:book", "appointments.book", position=10, style="primary"),
            ClientLink("Add to waitlist", "sessions:waitlist-add", "appointments.book", position=15),
            ClientLink("Progress and plans", "sessions:progress", "notes.view", position=30),
        )
        self._add_to_the_timeline()
        self._name_whose_records()

    @staticmethod
    def _add_to_the_timeline():
        from clients.timeline import register_timeline_source
        from sessions.selectors import notes_timeline, plans_timeline, visits_timeline, waitlist_timeline

        register_timeline_source("visits", "Visits", "calendar.view", visits_timeline, entry_label="Visit", position=10)
        register_timeline_source(
            "waitlist", "Waitlist", "appointments.book", waitlist_timeline, entry_label="Waitlist", position=15
        )
        # Clinical: the front desk sees neither (the visits carry what it needs at checkout).
        register_timeline_source(
            "notes", "Notes", "notes.view", notes_timeline, entry_label="Note", position=20, audited=True
        )
        register_timeline_source(
            "plans", "Plans", "notes.view", plans_timeline, entry_label="Plan", position=30, audited=True
        )

    @staticmethod
    def _name_whose_records():
        from clients.record_access import provide_care_relationship, register_client_key
        from sessions.selectors import appointment_client, clients_in_care_of, plan_client

        provide_care_relationship(clients_in_care_of)  # "seen or booked with" is an appointment
        register_client_key("appointment_id", appointment_client)
        register_client_key("plan_id", plan_client)
