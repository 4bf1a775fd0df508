from django.urls import path

from practice.routing import under_practice
from referrals import views

app_name = "referrals"

urlpatterns = [
    path("r/<str:token>/", views.landing, name="landing"),
]

# Below /p/<practice_slug>/ (practice.routing): these run inside that practice's scope.
practice_urlpatterns = [
    path("requests/", views.requests_list, name="requests"),
    path("requests/<uuid:client_id>/done/", views.request_done, name="request-done"),
    path("referral-card/<str:kind>/<uuid:item_id>/", views.referral_card, name="card"),
    path("partners/", views.board, name="board"),
    path("partners/list/", views.partner_list, name="partner-list"),
    path("partners/new/", views.partner_edit, name="partner-create"),
    path("partners/<uuid:partner_id>/", views.partner, name="partner"),
    path("partners/<uuid:partner_id>/edit/", views.partner_edit, name="partner-edit"),
    path("partners/<uuid:partner_id>/move/", views.partner_move, name="partner-move"),
    path(
        "partners/<uuid:partner_id>/checklist/",
        views.partner_checklist,
        name="partner-checklist",
    ),
    path("partners/<uuid:partner_id>/contact/", views.partner_contact, name="partner-contact"),
    path("partners/rewards/", views.rewards, name="rewards"),
    path("partners/checklist/", views.questions, name="questions"),
    path("partners/<uuid:partner_id>/outgoing/", views.partner_outgoing, name="partner-outgoing"),
    path("clients/<uuid:client_id>/referral/", views.client_referral, name="client-referral"),
]

urlpatterns += under_practice(practice_urlpatterns)
