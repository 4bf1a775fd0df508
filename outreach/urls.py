from django.urls import include, path

from outreach import report_views, views
from practice.routing import under_practice

app_name = "outreach"

practice_patterns = [
    path("", views.outbox_list, name="outbox-list"),
    path("<uuid:message_id>/", views.outbox_detail, name="outbox-detail"),
    path("<uuid:message_id>/retry/", views.outbox_retry, name="outbox-retry"),
    path("<uuid:message_id>/cancel/", views.outbox_cancel, name="outbox-cancel"),
]

report_patterns = [
    path("", report_views.report_list, name="report-list"),
    path("<uuid:report_id>/", report_views.report_detail, name="report-detail"),
    path("<uuid:report_id>/status/", report_views.report_status, name="report-status"),
    path("<uuid:report_id>/pdf/", report_views.report_pdf, name="report-pdf"),
    path("<uuid:report_id>/send/", report_views.report_send, name="report-send"),
    path("<uuid:report_id>/render/", report_views.report_render_again, name="report-render"),
    path("<uuid:report_id>/links/<uuid:share_id>/revoke/", report_views.share_revoke_view, name="share-revoke"),
]

urlpatterns = [
    path("shared-reports/<slug:practice_slug>/<str:token>/", report_views.shared_report, name="shared-report"),
    path(
        "shared-reports/<slug:practice_slug>/<str:token>/pdf/", report_views.shared_report_pdf, name="shared-report-pdf"
    ),
    path(
        "shared-reports/<slug:practice_slug>/<str:token>/pdf/<uuid:share_id>/",
        report_views.shared_report_pdf,
        name="shared-report-other-pdf",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("rebook/<str:token>/", views.rebook, name="rebook"),
    path("feedback/<str:token>/", views.feedback, name="feedback"),
]

# Below /p/<practice_slug>/ (practice.routing): these run inside that practice's scope.
practice_urlpatterns = [
    path("clients/<uuid:client_id>/reports/", report_views.client_reports, name="client-reports"),
    path("reports/", include(report_patterns)),
    path("calls/", views.call_list, name="call-list"),
    path("clients/<uuid:client_id>/releases/", views.releases, name="releases"),
    path(
        "clients/<uuid:client_id>/releases/<uuid:release_id>/revoke/",
        views.release_revoke_view,
        name="release-revoke",
    ),
    path("calls/<uuid:task_id>/outcome/", views.call_outcome, name="call-outcome"),
    path("clients/<uuid:client_id>/feedback/pressure/", views.feedback_pressure, name="feedback-pressure"),
    path("follow-ups/settings/", views.followup_settings, name="followup-settings"),
    path("newsletters/", views.newsletter_list, name="newsletter-list"),
    path("newsletters/new/", views.newsletter_edit, name="newsletter-create"),
    path("newsletters/preview/", views.newsletter_preview, name="newsletter-preview"),
    path("newsletters/<uuid:newsletter_id>/", views.newsletter_edit, name="newsletter-edit"),
    path("newsletters/<uuid:newsletter_id>/test/", views.newsletter_test, name="newsletter-test"),
    path(
        "newsletters/<uuid:newsletter_id>/schedule/",
        views.newsletter_schedule_view,
        name="newsletter-schedule",
    ),
    path(
        "newsletters/<uuid:newsletter_id>/progress/",
        views.newsletter_progress_view,
        name="newsletter-progress",
    ),
    path("outbox/", include(practice_patterns)),
]

urlpatterns += under_practice(practice_urlpatterns)
