"""PostgreSQL, told that tenant tables' primary key is (practice_id, id) in the database
(practice.schema) while Django's model state knows only `id`."""

from django.db.backends.postgresql import base, features


class DatabaseFeatures(features.DatabaseFeatures):
    def allows_group_by_selected_pks_on_model(self, model):
        # Grouping by `id` alone lets PostgreSQL select a row's other columns only when `id` is the
        # whole primary key; for tenant tables Django groups by the selected columns instead.
        from practice.schema import is_tenant_model

        return super().allows_group_by_selected_pks_on_model(model) and not is_tenant_model(model)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
