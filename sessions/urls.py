from django.urls import path

from practice.routing import under_practice
from sessions import note_views, views, waitlist_views

app_name = "sessions"

urlpatterns = [
    path("calendar-feed/<str:token>.ics", views.feed, name="feed"),
    path("waitlist/offer/<str:token>/", waitlist_views.waitlist_claim, name="waitlist-claim"),
]

# Below /p/<practice_slug>/ (practice.routing): these run inside that practice's scope.
practice_urlpatterns = [
    path("calendar/", views.day, name="day"),
    path("calendar/week/", views.week, name="week"),
    path("calendar/today/", views.today, name="today"),
    path("calendar/book/", views.book_at, name="book-at"),
    path("calendar/move/", views.calendar_move, name="calendar-move"),
    path("appointments/<uuid:appointment_id>/actions/", views.quick_actions, name="quick-actions"),
    path("calendar/feed/renew/", views.feed_renew, name="feed-renew"),
    path("calendar/feed/revoke/", views.feed_revoke, name="feed-revoke"),
    path("clients/<uuid:client_id>/book/", views.book, name="book"),
    path("clients/<uuid:client_id>/book/slot/", views.book_slot, name="book-slot"),
    path("appointments/<uuid:appointment_id>/", views.appointment, name="appointment"),
    path("appointments/<uuid:appointment_id>/arrive/", views.arrive, name="arrive"),
    path("appointments/<uuid:appointment_id>/complete/", views.complete, name="complete"),
    path("appointments/<uuid:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("appointments/<uuid:appointment_id>/move/", views.move, name="move"),
    path("appointments/<uuid:appointment_id>/checkout/", views.checkout, name="checkout"),
    path(
        "appointments/<uuid:appointment_id>/checkout/book/",
        views.checkout_book,
        name="checkout-book",
    ),
    path(
        "appointments/<uuid:appointment_id>/checkout/series/",
        views.checkout_series,
        name="checkout-series",
    ),
    path(
        "appointments/<uuid:appointment_id>/checkout/not-booked/",
        views.checkout_not_booked,
        name="checkout-not-booked",
    ),
    path(
        "appointments/<uuid:appointment_id>/checkout/already-booked/",
        views.checkout_already_booked,
        name="checkout-already-booked",
    ),
    path("appointments/<uuid:appointment_id>/note/", note_views.note, name="note"),
    path("appointments/<uuid:appointment_id>/note/edit/", note_views.note_edit, name="note-edit"),
    path(
        "appointments/<uuid:appointment_id>/note/autosave/",
        note_views.note_autosave,
        name="note-autosave",
    ),
    path(
        "appointments/<uuid:appointment_id>/note/from-last/",
        note_views.note_start_from_last,
        name="note-from-last",
    ),
    path(
        "appointments/<uuid:appointment_id>/note/template/",
        note_views.note_template,
        name="note-template",
    ),
    path(
        "appointments/<uuid:appointment_id>/note/addendum/",
        note_views.note_addendum,
        name="note-addendum",
    ),
    path(
        "appointments/<uuid:appointment_id>/note/pressure/",
        note_views.pressure_accept,
        name="note-pressure",
    ),
    path("clients/<uuid:client_id>/progress/", note_views.progress, name="progress"),
    path("clients/<uuid:client_id>/progress/pain.svg", note_views.pain_chart, name="pain-chart"),
    path("clients/<uuid:client_id>/plans/new/", note_views.plan_create, name="plan-create"),
    path("plans/<uuid:plan_id>/status/", note_views.plan_status, name="plan-status"),
    path("waitlist/", waitlist_views.waitlist_list, name="waitlist"),
    path("waitlist/<uuid:entry_id>/", waitlist_views.waitlist_entry, name="waitlist-entry"),
    path("waitlist/<uuid:entry_id>/remove/", waitlist_views.waitlist_remove, name="waitlist-remove"),
    path("clients/<uuid:client_id>/waitlist/", waitlist_views.waitlist_add, name="waitlist-add"),
    path("schedule/", views.setup, name="setup"),
    path("schedule/<str:kind>/<uuid:item_id>/remove/", views.setup_remove, name="setup-remove"),
]

urlpatterns += under_practice(practice_urlpatterns)
