"""The query checker: every statement the suite runs, read with a real SQL parser (sqlglot), must
constrain each tenant table in it to one practice, as a database sharded by practice (Citus) needs
to send it to one shard. A tenant table is constrained by `practice_id = <value>` in its WHERE or
join condition, or by `practice_id = <the practice_id of a table that is>` (a join or a correlated
subquery). An UPDATE never sets `practice_id`; UPDATE and DELETE name the practice.

Statements that are global by design run inside `practice.tenancy.across_practices(reason)`; the
checker counts them by reason instead (see conftest.py)."""

from functools import cache, lru_cache

import sqlglot
from sqlglot import exp

PRACTICE = "practice_id"


@cache
def tenant_tables() -> frozenset[str]:
    from django.apps import apps

    from practice.models import TenantModel

    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if issubclass(model, TenantModel):
            tables.add(model._meta.db_table)
        elif model._meta.auto_created and any(
            issubclass(field.related_model, TenantModel) for field in model._meta.concrete_fields if field.is_relation
        ):
            tables.add(model._meta.db_table)  # a many-to-many table between tenant models
    return frozenset(tables)


def _conjuncts(condition) -> list:
    """The parts of an AND chain (what every row must satisfy)."""
    if condition is None:
        return []
    if isinstance(condition, exp.Paren):
        return _conjuncts(condition.this)
    if isinstance(condition, exp.And):
        return _conjuncts(condition.left) + _conjuncts(condition.right)
    return [condition]


def _unwrapped(node):
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _practice_column(node, sources: dict) -> str | None:
    """The alias whose practice_id `node` is, or None."""
    node = _unwrapped(node)
    if not isinstance(node, exp.Column) or node.name != PRACTICE:
        return None
    if node.table:
        return node.table
    return next(iter(sources)) if len(sources) == 1 else None


def _is_value(node) -> bool:
    return isinstance(_unwrapped(node), (exp.Placeholder, exp.Literal, exp.Parameter))


def _constrained(conditions: list, sources: dict, outer: set[str]) -> set[str]:
    """The aliases held to one practice by `conditions`, given the `outer` aliases already held."""
    held = set()
    pairs = []
    for condition in conditions:
        if isinstance(condition, exp.EQ):
            left, right = condition.left, condition.right
            a, b = _practice_column(left, sources), _practice_column(right, sources)
            if a and _is_value(right):
                held.add(a)
            elif b and _is_value(left):
                held.add(b)
            elif a and b:
                pairs.append((a, b))
        elif isinstance(condition, exp.In):
            alias = _practice_column(condition.this, sources)
            values = condition.expressions
            if alias and len(values) == 1 and _is_value(values[0]):
                held.add(alias)
    known = held | outer
    changed = True
    while changed:
        changed = False
        for a, b in pairs:
            if (a in known) != (b in known):
                known |= {a, b}
                changed = True
    return known


def _sources(select: exp.Select) -> dict[str, str]:
    """alias -> table name for the tables this SELECT reads directly (not its subqueries)."""
    tables = {}
    parts = [select.args.get("from_") or select.args.get("from")] + list(select.args.get("joins") or [])
    for part in parts:
        if part is None:
            continue
        table = part.this
        if isinstance(table, exp.Table):
            tables[table.alias_or_name] = table.name
    return tables


def _select_problems(select: exp.Select, outer: set[str], problems: list) -> None:
    sources = _sources(select)
    conditions = _conjuncts(select.args.get("where") and select.args["where"].this)
    for join in select.args.get("joins") or []:
        conditions += _conjuncts(join.args.get("on"))
    held = _constrained(conditions, sources, outer)
    for alias, table in sources.items():
        if table in tenant_tables() and alias not in held:
            problems.append(f"{table} is read without its practice")
    _nested_problems(select, outer | held, problems)


def _nested_problems(node, outer: set[str], problems: list) -> None:
    """Check the SELECTs below `node` (subqueries, CTEs, set operations), knowing the held aliases."""
    for child in node.iter_expressions():
        if isinstance(child, exp.Select):
            _select_problems(child, outer, problems)
        else:
            _nested_problems(child, outer, problems)


def _target(statement) -> tuple[str, str]:
    table = statement.this
    return table.alias_or_name, table.name


def _write_problems(statement, problems: list) -> None:
    alias, table = _target(statement)
    sources = {alias: table}
    held = _constrained(_conjuncts(statement.args.get("where") and statement.args["where"].this), sources, set())
    if table in tenant_tables():
        verb = "updated" if isinstance(statement, exp.Update) else "deleted from"
        if alias not in held:
            problems.append(f"{table} is {verb} without its practice")
        if isinstance(statement, exp.Update):
            for assignment in statement.expressions:
                if isinstance(assignment, exp.EQ) and assignment.left.name == PRACTICE:
                    problems.append(f"{table}: an UPDATE sets practice_id")
    _nested_problems(statement, held, problems)


@lru_cache(maxsize=50_000)  # the suite runs the same few thousand statements over and over
def statement_problems(sql: str) -> tuple[str, ...]:
    """What a database sharded by practice could not route to one shard in `sql` (empty: fine)."""
    try:
        statements = sqlglot.parse(sql, read="postgres")
    except sqlglot.errors.ParseError as error:
        return (f"unreadable SQL ({str(error).splitlines()[0]})",)
    problems = []
    for statement in statements:
        if isinstance(statement, (exp.Update, exp.Delete)):
            _write_problems(statement, problems)
        elif isinstance(statement, exp.Select):
            _select_problems(statement, set(), problems)
        elif statement is not None:
            _nested_problems(statement, set(), problems)  # INSERT ... SELECT, set operations
    return tuple(problems)
