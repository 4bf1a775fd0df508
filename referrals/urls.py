from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("r/<str:token>/", views.landing, name="landing"),
    path("p/<slug:practice_slug>/requests/", views.requests_list, name="requests"),
    path("p/<slug:practice_slug>/requests/<uuid:client_id>/done/", views.request_done, name="request-done"),
    path("p/<slug:practice_slug>/referral-card/<str:kind>/<uuid:item_id>/", views.referral_card, name="card"),
    path("p/<slug:practice_slug>/partners/", views.board, name="board"),
    path("p/<slug:practice_slug>/partners/list/", views.partner_list, name="partner-list"),
    path("p/<slug:practice_slug>/partners/new/", views.partner_edit, name="partner-create"),
    path("p/<slug:practice_slug>/partners/<uuid:partner_id>/", views.partner, name="partner"),
    path("p/<slug:practice_slug>/partners/<uuid:partner_id>/edit/", views.partner_edit, name="partner-edit"),
    path("p/<slug:practice_slug>/partners/<uuid:partner_id>/move/", views.partner_move, name="partner-move"),
    path(
        "p/<slug:practice_slug>/partners/<uuid:partner_id>/checklist/",
        views.partner_checklist,
        name="partner-checklist",
    ),
    path("p/<slug:practice_slug>/partners/<uuid:partner_id>/contact/", views.partner_contact, name="partner-contact"),
    path("p/<slug:practice_slug>/partners/streams/", views.streams, name="streams"),
    path("p/<slug:practice_slug>/partners/rewards/", views.rewards, name="rewards"),
    path("p/<slug:practice_slug>/partners/checklist/", views.questions, name="questions"),
    path(
        "p/<slug:practice_slug>/partners/<uuid:partner_id>/outgoing/", views.partner_outgoing, name="partner-outgoing"
    ),
    path("p/<slug:practice_slug>/partners/streams/chart.svg", views.streams_chart, name="streams-chart"),
    path("p/<slug:practice_slug>/clients/<uuid:client_id>/referral/", views.client_referral, name="client-referral"),
]
