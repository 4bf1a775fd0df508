from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    label = "outreach"
    verbose_name = "Outreach"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete

        from clients.intake_extras import PROVIDERS, ConsentProvider
        from clients.page import provide_last_feedback
        from outbox.dispatch import register_sender
        from outbox.models import Channel

        # Importing the feature modules declares their message kinds.
        from outreach import feedback, followups, newsletters, recalls, releases, reports, shares  # noqa: F401
        from sessions.signals import visit_completed

        visit_completed.connect(followups.schedule_followup, dispatch_uid="outreach.followup")
        post_delete.connect(reports.forget_pdf, sender="outreach.ProgressReport", dispatch_uid="outreach.forget_pdf")
        register_sender(Channel.CALL, followups.create_call_task)  # a call "sends" as a task on a call list
        provide_last_feedback(feedback.last_feedback)  # the brief shows the client's last feedback
        PROVIDERS.append(ConsentProvider(offer=releases.offered_releases, record=releases.sign_offered_releases))
        self._add_to_lower_screens()
        self._name_whose_records()

    @staticmethod
    def _add_to_lower_screens():
        from clients.page import ClientLink, register_client_links
        from practice.navigation import NavItem, register_nav

        register_nav(
            NavItem("Calls", "outreach:call-list", "calls.work", position=40),
            NavItem("Reports", "outreach:report-list", "reports.manage", position=80),
            NavItem("Outbox", "outreach:outbox-list", "outbox.view", position=90),
            NavItem("Newsletters", "outreach:newsletter-list", "newsletters.manage", position=130, manage=True),
            NavItem("Follow-ups", "outreach:followup-settings", "outreach.settings", position=140, manage=True),
        )
        register_client_links(
            ClientLink("Progress reports", "outreach:client-reports", "reports.manage", position=40),
            ClientLink("Releases", "outreach:releases", "releases.manage", position=50, style="outline-secondary"),
        )
        # The outbox is an engine below clients and knows no clients' pages: its messages join the
        # client's timeline from here, where its pages are.
        from clients.timeline import register_timeline_source
        from outreach import selectors

        # The client's feedback on their visits, for those who read the notes (health information).
        register_timeline_source(
            "feedback",
            "Feedback",
            "notes.view",
            selectors.feedback_timeline,
            entry_label="Feedback",
            position=25,
            audited=True,
        )
        for kind, label, entry_label, permission, fetch, position in (
            ("messages", "Messages", "Message", "outbox.view", selectors.messages_timeline, 60),
            ("calls", "Calls", "Call", "calls.work", selectors.calls_timeline, 70),
            ("releases", "Releases", "Release", "releases.manage", selectors.releases_timeline, 80),
            ("reports", "Reports", "Report", "reports.manage", selectors.reports_timeline, 90),
        ):
            register_timeline_source(kind, label, permission, fetch, entry_label=entry_label, position=position)

    @staticmethod
    def _name_whose_records():
        from clients.record_access import register_client_key, register_nested_key
        from outreach.selectors import report_client

        register_client_key("report_id", report_client)
        register_nested_key("share_id", under="report_id")  # a report's link, read under its report
        register_nested_key("release_id", under="client_id")  # a release, read under its client
