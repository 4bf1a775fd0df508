from django.urls import path

from sessions import note_views, views

app_name = "sessions"

urlpatterns = [
    path("p/<slug:practice_slug>/calendar/", views.day, name="day"),
    path("p/<slug:practice_slug>/calendar/week/", views.week, name="week"),
    path("p/<slug:practice_slug>/calendar/today/", views.today, name="today"),
    path("p/<slug:practice_slug>/calendar/feed/renew/", views.feed_renew, name="feed-renew"),
    path("p/<slug:practice_slug>/calendar/feed/revoke/", views.feed_revoke, name="feed-revoke"),
    path("calendar-feed/<str:token>.ics", views.feed, name="feed"),
    path("p/<slug:practice_slug>/clients/<uuid:client_id>/book/", views.book, name="book"),
    path("p/<slug:practice_slug>/clients/<uuid:client_id>/book/slot/", views.book_slot, name="book-slot"),
    path("p/<slug:practice_slug>/appointments/<uuid:appointment_id>/", views.appointment, name="appointment"),
    path("p/<slug:practice_slug>/appointments/<uuid:appointment_id>/arrive/", views.arrive, name="arrive"),
    path("p/<slug:practice_slug>/appointments/<uuid:appointment_id>/complete/", views.complete, name="complete"),
    path("p/<slug:practice_slug>/appointments/<uuid:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("p/<slug:practice_slug>/appointments/<uuid:appointment_id>/move/", views.move, name="move"),
    path("p/<slug:practice_slug>/appointments/<uuid:appointment_id>/checkout/", views.checkout, name="checkout"),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/checkout/book/",
        views.checkout_book,
        name="checkout-book",
    ),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/checkout/series/",
        views.checkout_series,
        name="checkout-series",
    ),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/checkout/not-booked/",
        views.checkout_not_booked,
        name="checkout-not-booked",
    ),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/checkout/already-booked/",
        views.checkout_already_booked,
        name="checkout-already-booked",
    ),
    path("p/<slug:practice_slug>/appointments/<uuid:appointment_id>/note/", note_views.note, name="note"),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/note/edit/", note_views.note_edit, name="note-edit"
    ),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/note/autosave/",
        note_views.note_autosave,
        name="note-autosave",
    ),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/note/from-last/",
        note_views.note_start_from_last,
        name="note-from-last",
    ),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/note/template/",
        note_views.note_template,
        name="note-template",
    ),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/note/addendum/",
        note_views.note_addendum,
        name="note-addendum",
    ),
    path(
        "p/<slug:practice_slug>/appointments/<uuid:appointment_id>/note/pressure/",
        note_views.pressure_accept,
        name="note-pressure",
    ),
    path("p/<slug:practice_slug>/clients/<uuid:client_id>/progress/", note_views.progress, name="progress"),
    path("p/<slug:practice_slug>/clients/<uuid:client_id>/progress/pain.svg", note_views.pain_chart, name="pain-chart"),
    path("p/<slug:practice_slug>/clients/<uuid:client_id>/plans/new/", note_views.plan_create, name="plan-create"),
    path("p/<slug:practice_slug>/plans/<uuid:plan_id>/status/", note_views.plan_status, name="plan-status"),
    path("p/<slug:practice_slug>/figures/", views.figures, name="figures"),
    path("p/<slug:practice_slug>/figures/chart.svg", views.figures_chart, name="figures-chart"),
    path("p/<slug:practice_slug>/schedule/", views.setup, name="setup"),
    path("p/<slug:practice_slug>/schedule/<str:kind>/<uuid:item_id>/remove/", views.setup_remove, name="setup-remove"),
]
