from django.urls import include, path

from clients import views
from practice.routing import under_practice

app_name = "clients"

client_patterns = [
    path("", views.client_detail, name="client-detail"),
    path("edit/", views.client_edit, name="client-edit"),
    path("archive/", views.client_archive, name="client-archive"),
    path("brief/", views.brief, name="brief"),
    path("intake/", views.intake_detail, name="intake-detail"),
    path("intake/edit/", views.intake_edit, name="intake-edit"),
    path("intake/compare/", views.intake_compare, name="intake-compare"),
    path("intake/send-link/", views.intake_send_link, name="intake-send-link"),
    path("intake/<uuid:version_id>/", views.intake_version, name="intake-version"),
    path("export/", views.client_export, {"fmt": "html"}, name="client-export"),
    path("export.json", views.client_export, {"fmt": "json"}, name="client-export-json"),
    path("erase/", views.client_erase, name="client-erase"),
    path("emergency-access/", views.emergency_access, name="emergency-access"),
]

urlpatterns = [
    path("intake/thanks/", views.intake_thanks, name="intake-thanks"),
    path("confirm-email/<str:token>/", views.email_confirm, name="email-confirm"),
    path("intake/<str:token>/", views.intake_self, name="intake-self"),
]

# Below /p/<practice_slug>/ (practice.routing): these run inside that practice's scope.
practice_urlpatterns = [
    path("clients/", views.client_list, name="client-list"),
    path("clients/new/", views.client_create, name="client-create"),
    path("clients/<uuid:client_id>/", include(client_patterns)),
]

urlpatterns += under_practice(practice_urlpatterns)
