from django.db import migrations

from practice.phones import stored_in_e164


def phones_in_e164(apps, schema_editor):
    stored_in_e164(apps.get_model("referrals", "Partner"), ("phone", "fax"), "practice__country")


class Migration(migrations.Migration):
    """Numbers saved as typed become E.164, read in the practice's country."""

    dependencies = [("referrals", "0005_phone_validation"), ("practice", "0006_practice_country")]

    operations = [migrations.RunPython(phones_in_e164, migrations.RunPython.noop)]
