from django.urls import include, path

from outreach import views

app_name = "outreach"

practice_patterns = [
    path("", views.outbox_list, name="outbox-list"),
    path("<uuid:message_id>/", views.outbox_detail, name="outbox-detail"),
    path("<uuid:message_id>/retry/", views.outbox_retry, name="outbox-retry"),
    path("<uuid:message_id>/cancel/", views.outbox_cancel, name="outbox-cancel"),
]

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("rebook/<str:token>/", views.rebook, name="rebook"),
    path("p/<slug:practice_slug>/calls/", views.call_list, name="call-list"),
    path("p/<slug:practice_slug>/clients/<uuid:client_id>/releases/", views.releases, name="releases"),
    path("p/<slug:practice_slug>/clients/<uuid:client_id>/releases/<uuid:release_id>/revoke/",
         views.release_revoke_view, name="release-revoke"),
    path("p/<slug:practice_slug>/calls/<uuid:task_id>/outcome/", views.call_outcome, name="call-outcome"),
    path("p/<slug:practice_slug>/follow-ups/settings/", views.followup_settings, name="followup-settings"),
    path("p/<slug:practice_slug>/newsletters/", views.newsletter_list, name="newsletter-list"),
    path("p/<slug:practice_slug>/newsletters/new/", views.newsletter_edit, name="newsletter-create"),
    path("p/<slug:practice_slug>/newsletters/preview/", views.newsletter_preview, name="newsletter-preview"),
    path("p/<slug:practice_slug>/newsletters/<uuid:newsletter_id>/", views.newsletter_edit, name="newsletter-edit"),
    path("p/<slug:practice_slug>/newsletters/<uuid:newsletter_id>/test/", views.newsletter_test, name="newsletter-test"),
    path("p/<slug:practice_slug>/newsletters/<uuid:newsletter_id>/schedule/", views.newsletter_schedule_view,
         name="newsletter-schedule"),
    path("p/<slug:practice_slug>/newsletters/<uuid:newsletter_id>/progress/", views.newsletter_progress_view,
         name="newsletter-progress"),
    path("p/<slug:practice_slug>/outbox/", include(practice_patterns)),
]
