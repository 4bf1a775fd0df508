from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    label = "outreach"
    verbose_name = "Outreach"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete

        from clients.intake_extras import PROVIDERS, ConsentProvider
        from outreach import followups, newsletters, recalls, releases, reports, shares
        from outreach.engine import receivers  # noqa: F401  (connects the signal receivers)
        from outreach.engine.dispatch import CONTEXT_REFRESHERS, SENDERS, SKIP_CHECKS
        from outreach.engine.models import Channel
        from sessions.signals import visit_completed

        visit_completed.connect(followups.schedule_followup, dispatch_uid="outreach.followup")
        post_delete.connect(reports.forget_pdf, sender="outreach.ProgressReport", dispatch_uid="outreach.forget_pdf")
        SENDERS[Channel.CALL] = followups.create_call_task
        CONTEXT_REFRESHERS["followup"] = followups.followup_context
        CONTEXT_REFRESHERS["newsletter"] = CONTEXT_REFRESHERS["newsletter_test"] = newsletters.newsletter_context
        CONTEXT_REFRESHERS["recall"] = CONTEXT_REFRESHERS["recall_call"] = recalls.recall_context
        CONTEXT_REFRESHERS["report_share"] = shares.share_link_context
        CONTEXT_REFRESHERS["report_code"] = shares.share_code_context
        SKIP_CHECKS["report_share"] = SKIP_CHECKS["report_code"] = shares.share_skip_reason
        PROVIDERS.append(ConsentProvider(offer=releases.offered_releases, record=releases.sign_offered_releases))
        self._add_to_lower_screens()

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
