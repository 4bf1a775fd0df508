"""PostgreSQL, told that tenant tables' primary key is (practice_id, id) in the database
(practice.schema) while Django's model state knows only `id`, and without JIT compilation."""

from django.db.backends.postgresql import base, features


class DatabaseFeatures(features.DatabaseFeatures):
    def allows_group_by_selected_pks_on_model(self, model):
        # Grouping by `id` alone lets PostgreSQL select a row's other columns only when `id` is the
        # whole primary key; for tenant tables Django groups by the selected columns instead.
        from practice.schema import is_tenant_model

        return super().allows_group_by_selected_pks_on_model(model) and not is_tenant_model(model)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures

    def get_connection_params(self):
        # JIT compilation pays for itself on long analytical queries; here it cost the rebooking
        # figures about 500 ms of compiling for a query that runs in 100 ms. Every query this app
        # runs is a short one, so the session turns it off (a server setting still allows it).
        params = super().get_connection_params()
        params["options"] = " ".join(filter(None, [params.get("options", ""), "-c jit=off"]))
        return params
