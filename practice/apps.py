from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    label = "practice"
    verbose_name = "Practices and staff"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from practice import account_sessions, signin_audit
        from practice.middleware import session_seen_at_sign_in
        from practice.tenancy import install_practice_batches

        install_practice_batches()
        # Order matters: the session is recorded before the sliding expiry's first mark updates it.
        user_logged_in.connect(account_sessions.on_signed_in, dispatch_uid="practice.session_signed_in")
        user_logged_in.connect(session_seen_at_sign_in, dispatch_uid="practice.session_seen_at_sign_in")
        signin_audit.connect()
