"""The migrated schema can be distributed by practice (Citus): read from PostgreSQL's own catalog,
every tenant table's primary key, unique and exclusion constraints, unique indexes and keys to other
tenant tables include practice_id, and no global table points at a tenant table."""

import pytest
from django.apps import apps
from django.db import connection

from practice.models import TenantRelation
from practice.schema import is_tenant_model, tenant_models

pytestmark = pytest.mark.django_db

CONSTRAINTS = """
    SELECT c.conrelid::regclass::text, c.conname, c.contype,
           ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(num, pos) JOIN pg_attribute a
                 ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.pos),
           c.confrelid::regclass::text,
           ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(num, pos) JOIN pg_attribute a
                 ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.pos)
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'x', 'f')
"""
UNIQUE_INDEXES = """
    SELECT i.indrelid::regclass::text, ci.relname,
           ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(num, pos) JOIN pg_attribute a
                 ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.pos)
    FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = ci.relnamespace
    WHERE n.nspname = 'public' AND i.indisunique
"""


def _rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _tenant_tables() -> set[str]:
    return {model._meta.db_table for model in tenant_models(apps)}


def test_there_are_tenant_tables_and_the_global_ones_are_those_named():
    tenants = _tenant_tables()
    assert len(tenants) >= 37
    ours = {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.app_label != "auth"}
    global_ours = {table for table in ours - tenants if table.startswith("practice_")}
    assert global_ours == {
        "practice_practice",
        "practice_user",
        "practice_membership",
        "practice_tokenroute",
        # A person's own sign-in security, read before any practice is known (practice.signin)
        "practice_recoverycodes",
        "practice_recoverycode",
        "practice_signinsession",
        "practice_knownbrowser",
        "practice_user_groups",
        "practice_user_user_permissions",
    }


def test_every_key_and_unique_rule_of_a_tenant_table_includes_practice():
    tenants = _tenant_tables()
    wrong = []
    for table, name, kind, columns, referenced, referenced_columns in _rows(CONSTRAINTS):
        if table not in tenants:
            continue
        if kind == "p" and columns[:1] != ["practice_id"]:
            wrong.append(f"{table}: primary key {columns}")
        elif kind in ("u", "x") and "practice_id" not in columns:
            wrong.append(f"{table}: {name} {columns}")
        elif kind == "f" and referenced in tenants:
            if "practice_id" not in columns or "practice_id" not in referenced_columns:
                wrong.append(f"{table}: {name} {columns} -> {referenced} {referenced_columns}")
    for table, name, columns in _rows(UNIQUE_INDEXES):
        if table in tenants and "practice_id" not in columns:
            wrong.append(f"{table}: unique index {name} {columns}")
    assert wrong == []


def test_every_key_between_tenant_tables_exists_in_the_database():
    keys = {(table, tuple(columns)) for table, _, kind, columns, _, _ in _rows(CONSTRAINTS) if kind == "f"}
    missing = [
        f"{model._meta.db_table}.{field.column}"
        for model in tenant_models(apps)
        for field in model._meta.local_fields
        if isinstance(field, TenantRelation) and (model._meta.db_table, ("practice_id", field.column)) not in keys
    ]
    assert missing == []


def test_relations_between_tenant_models_are_tenant_relations_and_no_global_table_points_at_one():
    plain = [
        f"{model._meta.label}.{field.name}"
        for model in tenant_models(apps)
        for field in model._meta.local_fields
        if field.is_relation
        and field.column != "practice_id"
        and is_tenant_model(field.related_model)
        and not isinstance(field, TenantRelation)
    ]
    assert plain == []
    tenants = _tenant_tables()
    upward = [
        f"{table} -> {referenced}"
        for table, _, kind, _, referenced, _ in _rows(CONSTRAINTS)
        if kind == "f" and table not in tenants and referenced in tenants
    ]
    assert upward == []


ALL_INDEXES = """
    SELECT i.indrelid::regclass::text, ci.relname, i.indpred IS NOT NULL, i.indisunique,
           ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(num, pos) JOIN pg_attribute a
                 ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.pos)
    FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = ci.relnamespace
    WHERE n.nspname = 'public'
"""


def test_every_tenant_relation_is_indexed_by_practice_first_and_never_by_its_column_alone():
    """A single-column index on a tenant relation has statistics over every practice: the planner
    took the index of one practice's only service for the day calendar (every visit it ever had)."""
    indexes = {}
    for table, name, partial, unique, columns in _rows(ALL_INDEXES):
        indexes.setdefault(table, []).append((name, partial or unique, columns))
    missing, alone = [], []
    for model in tenant_models(apps):
        table = model._meta.db_table
        for field in model._meta.local_fields:
            if not isinstance(field, TenantRelation) and field.name != "practice":
                continue
            found = indexes.get(table, [])
            alone += [
                f"{table}.{name}" for name, special, columns in found if columns == [field.column] and not special
            ]
            if field.name != "practice" and not any(
                columns[:2] == ["practice_id", field.column] for _, _, columns in found
            ):
                missing.append(f"{table}.{field.column}")
    assert (alone, missing) == ([], [])
