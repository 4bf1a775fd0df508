"""/healthz, for load balancers and CI: it reaches the database and can say which instance answered."""

import pytest


@pytest.mark.django_db
def test_health_answers_ok_and_names_the_instance_when_asked(client, settings, django_assert_num_queries):
    with django_assert_num_queries(1):  # the database round trip is the point of the check
        assert client.get("/healthz").content == b"ok"
    settings.INSTANCE_NAME = "ci-3f9a"
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.content == b"ok ci-3f9a"
