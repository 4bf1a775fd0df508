"""What every connection of the app is set up with."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_connections_run_without_jit_compilation():
    """JIT compiling cost the rebooking figures about 500 ms for a 100 ms query (bench/pages.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
