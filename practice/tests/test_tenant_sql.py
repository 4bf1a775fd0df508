"""The query checker itself: what it accepts and what it refuses (it runs over the whole suite,
see conftest.py, so a checker that accepted everything would hide every mistake)."""

import pytest

from practice.tests.tenant_sql import statement_problems

CLIENT, VISIT = '"clients_client"', '"therapy_sessions_appointment"'
JOINED = f'SELECT * FROM {VISIT} "a" INNER JOIN {CLIENT} "c" ON ("a"."client_id" = "c"."id"'
HELD_BY_A = 'WHERE "a"."practice_id" = %s'


@pytest.mark.parametrize(
    "sql",
    [
        f'SELECT * FROM {CLIENT} WHERE {CLIENT}."practice_id" = %s AND {CLIENT}."id" = %s',
        f'{JOINED} AND ("c"."practice_id" = ("a"."practice_id"))) {HELD_BY_A}',
        f'SELECT * FROM {CLIENT} WHERE {CLIENT}."practice_id" IN (%s) AND EXISTS '
        f'(SELECT 1 FROM {VISIT} "U0" WHERE "U0"."practice_id" = {CLIENT}."practice_id")',
        f'UPDATE {CLIENT} SET "first_name" = %s WHERE ({CLIENT}."practice_id" = %s AND {CLIENT}."id" = %s)',
        f'DELETE FROM {CLIENT} WHERE ({CLIENT}."practice_id" = %s AND {CLIENT}."id" IN (%s, %s))',
        'SELECT * FROM "practice_practice" WHERE "slug" = %s',
        f'INSERT INTO {CLIENT} ("id", "practice_id") VALUES (%s, %s)',
    ],
)
def test_what_one_shard_can_answer_passes(sql):
    assert statement_problems(sql) == ()


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (f'SELECT * FROM {CLIENT} WHERE {CLIENT}."id" = %s', "clients_client is read without its practice"),
        (
            f"{JOINED}) {HELD_BY_A}",
            "clients_client is read without its practice",
        ),
        (
            f'SELECT * FROM {CLIENT} WHERE {CLIENT}."practice_id" IN (%s, %s)',
            "clients_client is read without its practice",
        ),
        (
            f'SELECT * FROM {CLIENT} WHERE {CLIENT}."practice_id" = %s OR {CLIENT}."id" = %s',
            "clients_client is read without its practice",
        ),
        (
            f'SELECT * FROM {CLIENT} WHERE {CLIENT}."practice_id" = %s AND {CLIENT}."id" IN '
            f'(SELECT "U0"."client_id" FROM {VISIT} "U0")',
            "therapy_sessions_appointment is read without its practice",
        ),
        (
            f'UPDATE {CLIENT} SET "practice_id" = %s, "first_name" = %s WHERE {CLIENT}."practice_id" = %s',
            "clients_client: an UPDATE sets practice_id",
        ),
        (
            f'UPDATE {CLIENT} SET "first_name" = %s WHERE {CLIENT}."id" = %s',
            "clients_client is updated without its practice",
        ),
        (f'DELETE FROM {CLIENT} WHERE {CLIENT}."id" IN (%s)', "clients_client is deleted from without its practice"),
    ],
)
def test_what_would_fan_out_or_move_a_row_is_named(sql, problem):
    assert problem in statement_problems(sql)
