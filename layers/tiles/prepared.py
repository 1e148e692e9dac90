"""Server-side prepared statements for the hottest queries, per database connection.

A small tile's SQL runs in well under a millisecond, and parsing and planning it again on every
request is a third of that. The first EXECUTE of a statement on a connection PREPAREs it; the name is
derived from the SQL text, so every variant (layer kind, zoom band, grid) is its own statement.
PREPARE is not transactional in PostgreSQL (a prepared statement survives a rollback), so what a
connection has prepared can be remembered safely for the connection's life.

Behind a pooler that does not keep session state (PgBouncer in transaction mode before 1.21) set
DB_PREPARED_STATEMENTS=false: the same SQL then runs unprepared.
"""

import functools
import hashlib
import re
import weakref

from django.conf import settings

# DB-API connection → names of the statements prepared on it; an entry goes with its connection.
_prepared_on: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()

_NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")


def execute(cursor, sql: str, params: dict):
    """cursor.execute(sql, params), as a prepared statement where enabled. `sql` uses %(name)s only."""
    if not settings.DB_PREPARED_STATEMENTS:
        return cursor.execute(sql, params)
    statement, prepare_sql, execute_sql = _statement(sql)
    done = _prepared_on.setdefault(cursor.db.connection, set())
    if statement not in done:
        cursor.execute(prepare_sql)
        done.add(statement)
    return cursor.execute(execute_sql, params)


@functools.lru_cache(maxsize=256)
def _statement(sql: str) -> tuple[str, str, str]:
    """(name, PREPARE …, EXECUTE … with %(name)s placeholders) for one SQL text."""
    names = list(dict.fromkeys(_NAMED_PARAMETER.findall(sql)))
    statement = "q_" + hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()
    numbered = _NAMED_PARAMETER.sub(lambda m: f"${names.index(m.group(1)) + 1}", sql).replace("%%", "%")
    placeholders = ", ".join(f"%({name})s" for name in names)
    return statement, f"PREPARE {statement} AS {numbered}", f"EXECUTE {statement} ({placeholders})"
