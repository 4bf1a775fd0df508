from django.db import migrations

from practice.schema import TenantKeys


class Migration(migrations.Migration):
    # After outreach's tables point at the outbox (their single-column keys are replaced).
    dependencies = [("outbox", "0001_initial"), ("outreach", "0010_outbox_is_its_own_app")]

    operations = [TenantKeys()]
