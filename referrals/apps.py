from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    label = "referrals"
    verbose_name = "Referral partners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from practice.home import register_panel
        from referrals.panels import contacts_due_panel

        register_panel(contacts_due_panel)
