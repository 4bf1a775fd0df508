"""Every practice that exists already gets the default articles (new ones get them when they are
created: library.apps)."""

from django.db import migrations

from library.defaults import default_articles


def add_defaults(apps, schema_editor):
    Practice = apps.get_model("practice", "Practice")
    Article = apps.get_model("library", "Article")
    for practice_id in Practice.objects.values_list("pk", flat=True):  # each practice's rows read in it
        if not Article.objects.filter(practice_id=practice_id).exists():
            Article.objects.bulk_create(default_articles(Article, practice_id))


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
