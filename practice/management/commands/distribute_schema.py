"""Print (or, with --run, execute) the Citus statements that distribute this schema by practice:
the global tables become reference tables (a copy on every node), every tenant table becomes a
distributed table on practice_id, all colocated, so a practice's rows of every table live on one
shard and its joins stay there. Each table comes after the tables its keys point at, as Citus
needs. Sessions, sign-in attempts and the migration ledger stay local to the coordinator."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from practice.schema import PRACTICE_COLUMN, tenant_models

# The apps whose global tables every node needs (for joins and keys); the rest (sessions, sign-in
# attempts, the migration ledger) are written often, joined with nothing, and stay local.
REPLICATED_APPS = {"practice", "outbox", "clients", "therapy_sessions", "referrals", "outreach", "auth", "contenttypes"}
FOREIGN_KEYS = """
    SELECT c.conrelid::regclass::text, c.confrelid::regclass::text
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = 'public' AND c.contype = 'f' AND c.conrelid <> c.confrelid
"""


def _in_key_order(tables: set[str], points_at: dict[str, set[str]]) -> list[str]:
    """`tables`, each after the tables (of this set) its keys point at."""
    ordered, done = [], set()

    def visit(table, path=()):
        if table in done:
            return
        if table in path:
            raise CommandError(f"Keys form a cycle through {table}; Citus cannot order them.")
        for target in sorted(points_at.get(table, set()) & tables):
            visit(target, (*path, table))
        done.add(table)
        ordered.append(table)

    for table in sorted(tables):
        visit(table)
    return ordered


def distribution_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(FOREIGN_KEYS)
        keys = cursor.fetchall()
        existing = set(connection.introspection.table_names(cursor))
    points_at: dict[str, set[str]] = {}
    for table, target in keys:
        points_at.setdefault(table, set()).add(target)
    tenants = {model._meta.db_table for model in tenant_models(apps)}
    models = apps.get_models(include_auto_created=True)
    shared = {m._meta.db_table for m in models if m._meta.app_label in REPLICATED_APPS} & existing
    needed = {target for table in tenants | shared for target in points_at.get(table, set())}
    reference = (shared | needed) - tenants
    statements = ["CREATE EXTENSION IF NOT EXISTS citus;"]
    statements += [f"SELECT create_reference_table('{t}');" for t in _in_key_order(reference, points_at)]
    first = None
    for table in _in_key_order(tenants, points_at):
        colocation = "" if first is None else f", colocate_with => '{first}'"
        statements.append(f"SELECT create_distributed_table('{table}', '{PRACTICE_COLUMN}'{colocation});")
        first = first or table
    return statements


class Command(BaseCommand):
    help = "Print the Citus statements that distribute the schema by practice (--run executes them)."

    def add_arguments(self, parser):
        parser.add_argument("--run", action="store_true", help="Execute them (the database must have Citus).")

    def handle(self, *args, run=False, **options):
        statements = distribution_statements()
        if not run:
            self.stdout.write("\n".join(statements))
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'citus'")
            if cursor.fetchone() is None:
                raise CommandError("This PostgreSQL server has no Citus extension; nothing was changed.")
            for statement in statements:
                self.stdout.write(statement)
                cursor.execute(statement)
        self.stdout.write(self.style.SUCCESS(f"{len(statements) - 1} tables distributed or replicated."))
