"""The client list's search is served by its trigram index at any size of practice (the time it
takes is measured by bench/pages.py), and costs a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from clients.models import Client
from practice.tests.factories import PracticeFactory


@pytest.fixture
def many_clients(practice):
    """8,000 clients here and 2,000 in another practice, analysed: as the planner sees a big list."""
    elsewhere = PracticeFactory(slug="elsewhere-big")
    for owner, count in ((practice, 8000), (elsewhere, 2000)):
        with scope(practice=owner):
            Client.objects.bulk_create(
                Client(
                    practice=owner,
                    first_name=f"Given{n}",
                    last_name=f"Family{n % 500}",
                    email=f"c{n}@{owner.slug}.example",
                    phone=f"+1603555{n:04d}",
                )
                for n in range(count)
            )
    with connection.cursor() as cursor:
        # As autovacuum leaves a table: new index entries merged out of the trigram index's pending
        # list (the planner prices a long pending list as a scan of it), statistics up to date.
        cursor.execute("SELECT gin_clean_pending_list('client_search_trgm'::regclass)")
        cursor.execute("ANALYZE clients_client")


def test_search_uses_the_trigram_index(client_for, front_desk, practice, many_clients):
    browser = client_for(front_desk)
    for words in ("family42", "c1234@", "555-1234", "given7 family7"):
        with CaptureQueriesContext(connection) as captured:
            page = browser.get(f"/p/{practice.slug}/clients/", {"q": words})
        assert page.status_code == 200 and page.context["page"].paginator.count > 0, words
        plans = []
        with connection.cursor() as cursor:
            for query in captured:
                if "clients_client" in query["sql"]:
                    cursor.execute("EXPLAIN " + query["sql"])
                    plans.append("\n".join(row[0] for row in cursor.fetchall()))
        assert plans and all("Index Scan on client_search_trgm" in plan for plan in plans), (words, plans)


def test_the_search_page_costs_five_queries(
    client_for, front_desk, practice, many_clients, django_assert_max_num_queries
):
    browser = client_for(front_desk)
    browser.get(f"/p/{practice.slug}/clients/")  # the first page after signing in may save the session
    with django_assert_max_num_queries(5):  # session, user, memberships; the count and the page
        assert browser.get(f"/p/{practice.slug}/clients/", {"q": "family42"}).status_code == 200
