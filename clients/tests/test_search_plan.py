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
    """4,000 clients here and 1,000 in another practice (whose clients match the same words),
    analysed: as the planner sees a big list."""
    elsewhere = PracticeFactory(slug="elsewhere-big")
    for owner, count in ((practice, 4000), (elsewhere, 1000)):
        with scope(practice=owner):
            Client.objects.bulk_create(
                Client(
                    practice=owner,
                    first_name=f"Given{n}",
                    last_name=f"Family{n % 1000}",
                    email=f"c{n}@{owner.slug}.example",
                    phone=f"+1603555{n:04d}",
                )
                for n in range(count)
            )
    with connection.cursor() as cursor:
        # Committed (a transactional test), then vacuumed and analysed: the planner sees the table and
        # its index as autovacuum leaves them, not with what earlier tests rolled back in them.
        cursor.execute("VACUUM ANALYZE clients_client")


def _plans(captured) -> list[str]:
    plans = []
    with connection.cursor() as cursor:
        for query in captured:
            if "clients_client" in query["sql"]:
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


@pytest.mark.django_db(transaction=True)
def test_search_uses_the_trigram_index_in_five_queries(
    client_for, front_desk, practice, many_clients, django_assert_max_num_queries
):
    browser = client_for(front_desk)
    browser.get(f"/p/{practice.slug}/clients/")  # the first page after signing in may save the session
    # A last name, an email fragment, a phone number typed with separators (names and email by LIKE,
    # the phone's digits by a regular expression, both on the index) and without, two words.
    for words in ("family42", "c1234@", "555-1234", "6035551234", "given7 family7"):
        with CaptureQueriesContext(connection) as captured:
            with django_assert_max_num_queries(5):  # session, user, memberships; the count and the page
                page = browser.get(f"/p/{practice.slug}/clients/", {"q": words})
        assert page.status_code == 200 and page.context["page"].paginator.count > 0, words
        plans = _plans(captured)
        assert len(plans) == 2, (words, plans)  # the count and the page
        for plan in plans:
            assert "Bitmap Index Scan on client_search_trgm" in plan and "Seq Scan" not in plan, (words, plan)
    with django_assert_max_num_queries(5):  # a word too short for trigrams reads every client: the same queries
        assert browser.get(f"/p/{practice.slug}/clients/", {"q": "fa"}).context["page"].paginator.count == 4000


def test_the_trigram_index_keeps_no_pending_list(db):
    """GIN's fast update puts new entries in a pending list that only (auto)vacuum merges; the
    planner prices a long list as a reason to scan the whole table (after an import of clients, say)
    and every search reads the list. The search index takes each client at once instead."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'client_search_trgm'")
        assert cursor.fetchone()[0] == ["fastupdate=off"]
