"""Prepared statements for the tile SQL: prepared once per connection, and the same answers as unprepared."""

import pytest
from django.db import connection, transaction

from layers.api.catalogue import layer_ref
from layers.tiles import prepared
from layers.tiles.mvt import layer_tile

from .test_tiles import OSAKA_STATION, tile_of


def statements_on_this_connection():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def deallocate_all():
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    prepared._prepared_on.pop(connection.connection, None)


@pytest.fixture
def clean_connection(db):
    connection.ensure_connection()
    deallocate_all()
    yield
    deallocate_all()


def test_a_statement_is_prepared_once_and_then_executed(clean_connection):
    ref = layer_ref("shelters")
    first = layer_tile(ref, *tile_of(*OSAKA_STATION, 14))
    names = statements_on_this_connection()
    assert len(names) == 1 and next(iter(names)).startswith("q_")
    again = layer_tile(ref, *tile_of(*OSAKA_STATION, 14))
    neighbour = layer_tile(ref, *tile_of(OSAKA_STATION[0] + 0.05, OSAKA_STATION[1], 14))
    assert statements_on_this_connection() == names  # the same SQL reuses the statement
    assert again == first and neighbour[1] != first[1] and first[1]


def test_prepared_and_unprepared_tiles_are_byte_identical(clean_connection, settings):
    tiles = [("shelters", 14), ("hazard-zones", 9), ("hazard-zones", 13), ("parks", 12)]
    answers = {}
    for use_prepared in (True, False):
        settings.DB_PREPARED_STATEMENTS = use_prepared
        answers[use_prepared] = [layer_tile(layer_ref(slug), *tile_of(135.52, 34.70, z)) for slug, z in tiles]
    assert answers[True] == answers[False]
    assert all(data for _, data in answers[True])
    # A zoom band of polygons is another statement; a point layer has one for every zoom.
    assert len(statements_on_this_connection()) == 4


def test_turned_off_nothing_is_prepared(clean_connection, settings):
    settings.DB_PREPARED_STATEMENTS = False
    layer_tile(layer_ref("shelters"), *tile_of(*OSAKA_STATION, 14))
    assert statements_on_this_connection() == set()


def test_a_statement_prepared_in_a_rolled_back_transaction_is_still_there(clean_connection):
    """PREPARE is not transactional in PostgreSQL; the module relies on that."""
    ref = layer_ref("parks")
    with pytest.raises(RuntimeError), transaction.atomic():
        expected = layer_tile(ref, *tile_of(135.52, 34.70, 12))
        raise RuntimeError("roll back")
    assert layer_tile(ref, *tile_of(135.52, 34.70, 12)) == expected


def test_a_new_connection_prepares_again(clean_connection):
    ref = layer_ref("shelters")
    expected = layer_tile(ref, *tile_of(*OSAKA_STATION, 14))
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a new session looks like to the server
    prepared._prepared_on.pop(connection.connection, None)  # … and to this module: a new connection object
    assert layer_tile(ref, *tile_of(*OSAKA_STATION, 14)) == expected
    assert len(statements_on_this_connection()) == 1


def test_parameters_are_numbered_in_order_of_first_use():
    class Recorder:
        def __init__(self):
            self.db = type("Db", (), {"connection": type("Raw", (), {})()})()
            self.calls = []

        def execute(self, sql, params=None):
            self.calls.append((sql, params))

    cursor = Recorder()
    prepared.execute(cursor, "SELECT %(b)s + %(a)s, %(b)s, '100%%'", {"a": 1, "b": 2})
    (prepare_sql, none), (execute_sql, params) = cursor.calls
    assert prepare_sql.endswith("AS SELECT $1 + $2, $1, '100%'") and none is None
    assert execute_sql.endswith("(%(b)s, %(a)s)") and params == {"a": 1, "b": 2}
