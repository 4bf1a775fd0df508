"""The owner's schedule setup: services, rooms, working hours and time off, each with its own form;
a mistake is explained next to its field and nothing is saved."""

from django_scopes import scopes_disabled

from sessions.models import Service, TimeOff, WorkingHours


def _setup_url(practice):
    return f"/p/{practice.slug}/schedule/"


def test_the_owner_adds_working_hours_and_time_off(client_for, owner, therapist, practice):
    as_owner = client_for(owner)
    hours = {
        "kind": "hours",
        "hours-therapist": therapist.pk,
        "hours-weekday": 0,
        "hours-starts": "09:00",
        "hours-ends": "13:00",
    }
    assert as_owner.post(_setup_url(practice), hours).status_code == 302
    time_off = {
        "kind": "time_off",
        "time_off-therapist": therapist.pk,
        "time_off-starts_at": "2030-07-01T09:00",
        "time_off-ends_at": "2030-07-14T18:00",
        "time_off-reason": "Holiday",
    }
    assert as_owner.post(_setup_url(practice), time_off).status_code == 302
    with scopes_disabled():
        [added] = WorkingHours.objects.filter(practice=practice)
        assert (added.therapist, str(added.starts), str(added.ends)) == (therapist, "09:00:00", "13:00:00")
        assert TimeOff.objects.get(practice=practice).therapist == therapist


def test_someone_who_is_not_a_therapist_here_cannot_be_given_hours(client_for, owner, outsider, practice):
    hours = {
        "kind": "hours",
        "hours-therapist": outsider.pk,
        "hours-weekday": 0,
        "hours-starts": "09:00",
        "hours-ends": "13:00",
    }
    refused = client_for(owner).post(_setup_url(practice), hours)
    assert refused.status_code == 400 and b"Select a valid choice" in refused.content
    with scopes_disabled():
        assert not WorkingHours.objects.exists()


def test_a_second_service_of_the_same_name_is_refused_with_a_message(client_for, owner, practice):
    service = {
        "kind": "service",
        "service-name": "Deep tissue",
        "service-duration_minutes": 60,
        "service-buffer_after_minutes": 15,
        "service-price": "95.00",
        "service-active": "on",
    }
    assert client_for(owner).post(_setup_url(practice), service).status_code == 302
    again = client_for(owner).post(_setup_url(practice), service)
    assert again.status_code == 400 and b"already exists" in again.content
    with scopes_disabled():
        assert Service.objects.filter(practice=practice, name="Deep tissue").count() == 1
