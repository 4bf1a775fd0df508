from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    label = "referrals"
    verbose_name = "Referral partners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from clients.page import ClientLink, register_client_links
        from practice.home import register_panel
        from practice.navigation import NavItem, register_nav
        from referrals.panels import contacts_due_panel

        register_panel(contacts_due_panel)
        register_nav(
            NavItem("Requests", "referrals:requests", "referrals.attribute", position=50),
            NavItem("Partners", "referrals:board", "partners.manage", position=70),
        )
        register_client_links(
            ClientLink("Record the referral", "referrals:client-referral", "referrals.attribute", 10, place="source"),
            ClientLink(
                "Their referral card",
                "referrals:card",
                "referrals.attribute",
                20,
                place="source",
                url_kwargs=(("kind", "client"),),
                client_kwarg="item_id",
            ),
        )
        from clients.timeline import register_timeline_source
        from referrals.selectors import referrals_timeline

        register_timeline_source(
            "referrals", "Referrals", "referrals.attribute", referrals_timeline, entry_label="Referral", position=100
        )
