"""Top-level routes. Every view declares who may reach it (practice/access.py); the permission
sweep in practice/tests/test_permission_sweep.py walks all of these."""

from django.urls import include, path

urlpatterns = [
    path("", include("practice.urls")),
    path("", include("clients.urls")),
    path("", include("library.urls")),
    path("", include("sessions.urls")),
    path("", include("referrals.urls")),
    path("", include("outreach.urls")),
    path("", include("insights.urls")),
]

handler403 = "practice.views.permission_denied"
handler404 = "practice.views.page_not_found"
handler500 = "practice.views.server_error"
