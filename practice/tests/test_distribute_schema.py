"""manage.py distribute_schema: every tenant table distributed on practice_id and colocated, every
global table replicated, each after the tables its keys point at; --run refuses without Citus."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from practice.management.commands.distribute_schema import distribution_statements
from practice.schema import tenant_models
from practice.tests.test_schema import CONSTRAINTS, _rows

pytestmark = pytest.mark.django_db


def _table(statement: str) -> str:
    return statement.split("('", 1)[1].split("'", 1)[0]


def test_every_tenant_table_is_distributed_once_after_what_it_points_at():
    statements = distribution_statements()
    distributed = [_table(s) for s in statements if "create_distributed_table" in s]
    replicated = [_table(s) for s in statements if "create_reference_table" in s]
    assert sorted(distributed) == sorted(m._meta.db_table for m in tenant_models(apps))
    assert "practice_practice" in replicated and "practice_tokenroute" in replicated
    assert not {"django_session", "axes_accessattempt"} & set(replicated + distributed)
    assert all("colocate_with => '" + distributed[0] + "'" in s for s in statements[-len(distributed) + 1 :])
    position = {table: n for n, table in enumerate(replicated + distributed)}
    for table, _, kind, _, referenced, _ in _rows(CONSTRAINTS):
        if kind == "f" and table in position and table != referenced:
            assert position[referenced] < position[table], f"{table} before {referenced}"


def test_running_it_without_citus_changes_nothing_and_says_why():
    with pytest.raises(CommandError, match="no Citus extension"):
        call_command("distribute_schema", "--run")
