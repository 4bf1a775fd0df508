"""Database keys for a schema sharded by practice (Citus distributes a table by one column, and its
primary key, unique constraints and foreign keys between distributed tables must all include it).

Every tenant table's primary key is (practice_id, id); its unique constraints start with
practice_id; a key from one tenant table to another is (practice_id, <column>) -> (practice_id, id).
Django's model state keeps `id` as the primary key and makes no constraint for relations between
tenant models (practice.models.TenantForeignKey); the `TenantKeys` migration operation gives the
database the composite keys. Each app's migrations end with it whenever they add a tenant table,
a unique constraint or a relation, and practice/tests/test_schema.py reads PostgreSQL's catalog to
prove nothing was missed.

Global tables, read before a practice is known: practice.Practice, practice.User, practice.Membership
and practice.TokenRoute (a link's token -> its practice); and a person's sign-in security (recovery
codes, signed-in sessions, known browsers, and django-otp's authenticator devices), which belongs to
the person, not to a practice. In Citus they are reference tables."""

from django.db.migrations.operations.base import Operation

PRACTICE_COLUMN = "practice_id"
# Carry a practice column but are read before any practice is known (sign-in lists memberships).
GLOBAL_WITH_PRACTICE = {"practice.membership", "practice.tokenroute"}


def is_tenant_model(model) -> bool:
    """A table that belongs to one practice: it has a practice key and is not global by design."""
    if model._meta.abstract or model._meta.proxy or not model._meta.managed:
        return False
    if model._meta.label_lower in GLOBAL_WITH_PRACTICE:
        return False
    field = next((f for f in model._meta.local_fields if f.column == PRACTICE_COLUMN), None)
    return field is not None and field.is_relation and field.related_model._meta.label_lower == "practice.practice"


def tenant_models(apps, app_label: str | None = None) -> list:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if (app_label is None or model._meta.app_label == app_label) and is_tenant_model(model)
    ]


def tenant_relations(model) -> list:
    """The fields of `model` that point at another tenant table (their key carries practice_id)."""
    return [
        field
        for field in model._meta.local_fields
        if field.is_relation and field.column != PRACTICE_COLUMN and is_tenant_model(field.related_model)
    ]


class TenantKeys(Operation):
    """Give this app's tenant tables their practice-carrying keys (idempotent: what is already
    right is left alone). Put it last in a migration that adds tenant tables, unique constraints
    or relations between tenant models."""

    reversible = True
    reduces_to_sql = False

    def state_forwards(self, app_label, state):
        pass  # the model state is unchanged: the keys live in the database only

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        models_here = tenant_models(to_state.apps, app_label)
        for model in models_here:
            _primary_key(schema_editor, model)
            _unique_constraints(schema_editor, model)
        for model in models_here:
            _foreign_keys(schema_editor, model)
            _relation_indexes(schema_editor, model)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # composite keys serve the older state as well

    def describe(self):
        return "Keys of the tenant tables carry practice_id"

    @property
    def migration_name_fragment(self):
        return "tenant_keys"


def _constraints(schema_editor, table: str) -> dict:
    with schema_editor.connection.cursor() as cursor:
        return schema_editor.connection.introspection.get_constraints(cursor, table)


def _primary_key(schema_editor, model) -> None:
    table, quote = model._meta.db_table, schema_editor.quote_name
    pk = model._meta.pk.column
    for name, constraint in _constraints(schema_editor, table).items():
        if constraint["primary_key"] and constraint["columns"] != [PRACTICE_COLUMN, pk]:
            # CASCADE also drops the single-column keys other tables had to this one; their own
            # TenantKeys (or this one) puts the practice-carrying keys back.
            schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)} CASCADE")
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(table + '_pkey')} "
                f"PRIMARY KEY ({quote(PRACTICE_COLUMN)}, {quote(pk)})"
            )


def _unique_constraints(schema_editor, model) -> None:
    """What Django made unique by itself (one-to-one fields, unique=True fields, many-to-many pairs)
    becomes unique within the practice. Constraints the model declares must name practice
    themselves (the schema test says which do not)."""
    table, quote = model._meta.db_table, schema_editor.quote_name
    declared = {constraint.name for constraint in model._meta.constraints}
    for name, constraint in _constraints(schema_editor, table).items():
        implicit = constraint["unique"] and not constraint["index"] and not constraint["primary_key"]
        if not implicit or name in declared or PRACTICE_COLUMN in constraint["columns"]:
            continue
        columns = [PRACTICE_COLUMN, *constraint["columns"]]
        schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        new_name = schema_editor._create_index_name(table, columns, suffix="_uniq")
        listed = ", ".join(quote(column) for column in columns)
        schema_editor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(new_name)} UNIQUE ({listed})")


def _foreign_keys(schema_editor, model) -> None:
    table, quote = model._meta.db_table, schema_editor.quote_name
    existing = _constraints(schema_editor, table)
    for field in tenant_relations(model):
        for name, constraint in existing.items():  # a single-column key left from before
            if constraint["foreign_key"] and constraint["columns"] == [field.column]:
                schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        name = schema_editor._create_index_name(table, [PRACTICE_COLUMN, field.column], suffix="_fk")
        if name in existing:
            continue
        remote = field.related_model._meta
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
            f"FOREIGN KEY ({quote(PRACTICE_COLUMN)}, {quote(field.column)}) "
            f"REFERENCES {quote(remote.db_table)} ({quote(PRACTICE_COLUMN)}, {quote(remote.pk.column)}) "
            "DEFERRABLE INITIALLY DEFERRED"
        )


def _relation_indexes(schema_editor, model) -> None:
    """Each relation to another tenant table is looked up by (practice_id, <column>): deleting or
    protecting the row it points at, and reading the rows that point at one. An index that already
    leads with those two columns (and covers every row) serves; otherwise one is made. The
    single-column index Django used to make is dropped: its statistics span every practice, and the
    planner trusted it where one practice holds nearly all of a value's rows."""
    table, quote = model._meta.db_table, schema_editor.quote_name
    indexes = _btree_indexes(schema_editor, table)
    for field in tenant_relations(model):
        for name, (columns, unique) in indexes.items():
            if columns == [field.column] and not unique:
                schema_editor.execute(f"DROP INDEX {quote(name)}")
        columns = [PRACTICE_COLUMN, field.column]
        if any(found[:2] == columns for found, _ in indexes.values()):
            continue
        name = schema_editor._create_index_name(table, columns, suffix="_idx")
        listed = ", ".join(quote(column) for column in columns)
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({listed})")


def _btree_indexes(schema_editor, table: str) -> dict:
    """{name: (columns, unique)} of the table's btree indexes that cover every row (not partial)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, array_agg(a.attname ORDER BY k.position), i.indisunique OR i.indisprimary
                 FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indexrelid
                 JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
                 CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = %s::regclass AND i.indpred IS NULL
                GROUP BY c.relname, i.indisunique, i.indisprimary""",
            [table],
        )
        return {name: (columns, unique) for name, columns, unique in cursor.fetchall()}
