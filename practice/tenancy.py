"""Statements that read or write across practices on purpose (the dispatcher's scan for due
messages, a beat task's loop over practices, operator commands). Wrapping them in
`across_practices(reason)` says so where it happens; the suite's query checker
(practice/tests/tenant_sql.py) counts them by reason instead of failing them."""

from contextlib import contextmanager
from contextvars import ContextVar

_reason: ContextVar[str] = ContextVar("across_practices", default="")


@contextmanager
def across_practices(reason: str):
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


def current_reason() -> str:
    return _reason.get()


# --- Deletes by practice ------------------------------------------------------------------------
# Django's deletion collector ends with DELETE ... WHERE id IN (...) and, for SET NULL relations,
# UPDATE ... WHERE id IN (...). While a TenantCollector deletes (practice.models), these batches
# also name the practice. Django gives no hook there, so the two batch methods are wrapped once, at
# start-up (PracticeConfig.ready); outside a tenant delete they are Django's own.

_deleting: ContextVar = ContextVar("deleting_in", default=None)


@contextmanager
def deleting_in(practice_id):
    token = _deleting.set(practice_id)
    try:
        yield
    finally:
        _deleting.reset(token)


def _name_the_practice(query) -> None:
    """Within a tenant delete, a batch on a table with a practice column also names the practice."""
    if any(field.attname == "practice_id" for field in query.get_meta().concrete_fields):
        query.add_filter("practice_id", _deleting.get())


def install_practice_batches() -> None:
    from django.db.models.sql import DeleteQuery, UpdateQuery
    from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE, NO_RESULTS

    if getattr(DeleteQuery.delete_batch, "names_the_practice", False):
        return
    django_delete_batch, django_update_batch = DeleteQuery.delete_batch, UpdateQuery.update_batch

    def delete_batch(self, pk_list, using):
        if _deleting.get() is None:
            return django_delete_batch(self, pk_list, using)
        deleted = 0
        for offset in range(0, len(pk_list), GET_ITERATOR_CHUNK_SIZE):
            self.clear_where()
            _name_the_practice(self)
            self.add_filter("pk__in", pk_list[offset : offset + GET_ITERATOR_CHUNK_SIZE])
            deleted += self.do_query(self.get_meta().db_table, self.where, using=using)
        return deleted

    def update_batch(self, pk_list, values, using):
        if _deleting.get() is None:
            return django_update_batch(self, pk_list, values, using)
        self.add_update_values(values)
        for offset in range(0, len(pk_list), GET_ITERATOR_CHUNK_SIZE):
            self.clear_where()
            _name_the_practice(self)
            self.add_filter("pk__in", pk_list[offset : offset + GET_ITERATOR_CHUNK_SIZE])
            self.get_compiler(using).execute_sql(NO_RESULTS)

    delete_batch.names_the_practice = True
    DeleteQuery.delete_batch, UpdateQuery.update_batch = delete_batch, update_batch
