from django.urls import path

from practice import account_views, views
from practice.routing import under_practice

app_name = "practice"

# Below /p/<practice_slug>/ (practice.routing): these run inside that practice's scope.
practice_urlpatterns = [
    path("", views.practice_home, name="practice-home"),
    path("settings/", views.practice_settings, name="practice-settings"),
    path("settings/logo.png", views.practice_logo, name="practice-logo"),
    path("staff/", views.staff_list, name="staff-list"),
    path("staff/invite/", views.staff_invite, name="staff-invite"),
    path("staff/<uuid:membership_id>/role/", views.staff_change_role, name="staff-change-role"),
    path("staff/<uuid:membership_id>/remove/", views.staff_remove, name="staff-remove"),
    path("staff/<uuid:membership_id>/two-factor/reset/", views.staff_two_factor_reset, name="staff-two-factor-reset"),
    path("staff/invitations/<uuid:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("audit/", views.audit_list, name="audit-list"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("signup/", views.sign_up, name="signup"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("login/code/", account_views.login_code, name="login-code"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    path("account/", account_views.account, name="account"),
    path("account/two-factor/add/", account_views.two_factor_add, name="two-factor-add"),
    path("account/two-factor/<int:device_id>/remove/", account_views.two_factor_remove, name="two-factor-remove"),
    path("account/recovery-codes/", account_views.recovery_codes_new, name="recovery-codes"),
    path("account/password/", account_views.password_change, name="password-change"),
    path("account/sessions/<uuid:session_id>/end/", account_views.session_end, name="session-end"),
    path("account/sessions/end-others/", account_views.sessions_end_others, name="sessions-end-others"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]

urlpatterns += under_practice(practice_urlpatterns)
