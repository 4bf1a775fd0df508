from django.urls import path

from insights import views
from practice.routing import under_practice

app_name = "insights"

# Below /p/<practice_slug>/ (practice.routing): these run inside that practice's scope.
practice_urlpatterns = [
    path("figures/", views.rebooking, name="rebooking"),
    path("figures/chart.svg", views.rebooking_chart, name="rebooking-chart"),
    path("figures/retention/", views.retention, name="retention"),
    path("figures/retention/chart.svg", views.retention_chart, name="retention-chart"),
    path("partners/streams/", views.streams, name="streams"),
    path("partners/streams/chart.svg", views.streams_chart, name="streams-chart"),
]

urlpatterns = under_practice(practice_urlpatterns)
