from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("p/<slug:practice_slug>/partners/", views.board, name="board"),
    path("p/<slug:practice_slug>/partners/list/", views.partner_list, name="partner-list"),
    path("p/<slug:practice_slug>/partners/new/", views.partner_edit, name="partner-create"),
    path("p/<slug:practice_slug>/partners/<uuid:partner_id>/", views.partner, name="partner"),
    path("p/<slug:practice_slug>/partners/<uuid:partner_id>/edit/", views.partner_edit, name="partner-edit"),
    path("p/<slug:practice_slug>/partners/<uuid:partner_id>/move/", views.partner_move, name="partner-move"),
    path("p/<slug:practice_slug>/partners/<uuid:partner_id>/checklist/", views.partner_checklist,
         name="partner-checklist"),
    path("p/<slug:practice_slug>/partners/<uuid:partner_id>/contact/", views.partner_contact, name="partner-contact"),
    path("p/<slug:practice_slug>/partners/streams/", views.streams, name="streams"),
    path("p/<slug:practice_slug>/partners/streams/chart.svg", views.streams_chart, name="streams-chart"),
    path("p/<slug:practice_slug>/clients/<uuid:client_id>/referral/", views.client_referral, name="client-referral"),
]
