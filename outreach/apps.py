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
