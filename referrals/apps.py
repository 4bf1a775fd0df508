from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    label = "referrals"
    verbose_name = "Referral partners"
    default_auto_field = "django.db.models.BigAutoField"
