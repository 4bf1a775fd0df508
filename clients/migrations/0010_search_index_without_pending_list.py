import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations

INDEX = "client_search_trgm"


class Migration(migrations.Migration):
    """The search's trigram index keeps no pending list (fastupdate off): a new client is in the
    index at once, and the planner never scans the table because of rows not yet merged. Changed in
    place, without rebuilding the index; the rows already pending are merged now."""

    dependencies = [
        ("clients", "0009_search_text"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [
                        f"ALTER INDEX {INDEX} SET (fastupdate = off)",
                        f"SELECT gin_clean_pending_list('{INDEX}'::regclass)",
                    ],
                    reverse_sql=f"ALTER INDEX {INDEX} RESET (fastupdate)",
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="client", name=INDEX),
                migrations.AddIndex(
                    model_name="client",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper("search_text"), name="gin_trgm_ops"
                        ),
                        fastupdate=False,
                        name=INDEX,
                    ),
                ),
            ],
        ),
    ]
