"""What is loaded when (issue 17, start-up time): the CLI's API commands load nothing of the
server; building the server's application loads the heavy libraries of features few requests
use (SAML, SCIM, gRPC, DNS, Alembic) only when such a request comes; a database already at the
newest revision starts without Alembic, and one that is not gets migrated. Each import check
runs in a fresh interpreter. The times themselves are measured by ``bench/startup.py``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from tenantry.server.db import migrate

pytestmark = pytest.mark.once  # nothing here depends on the test database

SERVER = ("tenantry.server", "fastapi", "starlette", "sqlalchemy", "uvicorn", "jinja2", "argon2")
DEFERRED = ("saml2", "xmlschema", "scim2_models", "grpc", "scalekit", "dns", "alembic")


def loaded_by(code: str, database: Path) -> set[str]:
    """The modules loaded after running ``code`` in a new interpreter."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_")}
    env["TENANTRY_DATABASE_URL"] = f"sqlite:///{database}"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env, cwd=database.parent
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def among(loaded: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == name or m.startswith(name + ".") for name in names))


def test_the_cli_loads_nothing_of_the_server(tmp_path: Path) -> None:
    loaded = loaded_by("import tenantry.cli.main", tmp_path / "unused.db")
    assert "tenantry.cli.main" in loaded
    assert among(loaded, SERVER + DEFERRED) == []


def test_the_application_leaves_rare_features_until_they_are_used(tmp_path: Path) -> None:
    loaded = loaded_by(
        """
        from starlette.testclient import TestClient
        from tenantry.cli.main import _migrated_context
        from tenantry.server.app import create_app

        context = _migrated_context()  # a new database: migrated (Alembic loads here)
        import sys
        for name in [m for m in sys.modules if m == "alembic" or m.startswith("alembic.")]:
            del sys.modules[name]  # what the application loads is the question
        with TestClient(create_app(context=context)) as client:
            assert client.get("/healthz").status_code == 200
        """,
        tmp_path / "app.db",
    )
    assert "tenantry.server.app" in loaded
    assert among(loaded, DEFERRED) == []
    # ... and a SCIM request loads SCIM's models: lazily, not never
    loaded = loaded_by(
        """
        from starlette.testclient import TestClient
        from tenantry.cli.main import _migrated_context
        from tenantry.server.app import create_app

        with TestClient(create_app(context=_migrated_context())) as client:
            assert client.get("/scim/v2/nosuch/Users").status_code == 401
        """,
        tmp_path / "app.db",
    )
    assert among(loaded, ("scim2_models",)) != []


def test_a_database_at_the_newest_revision_starts_without_alembic(tmp_path: Path) -> None:
    start = "from tenantry.cli.main import _migrated_context\n_migrated_context()"
    database = tmp_path / "head.db"
    assert "alembic" in loaded_by(start, database)  # new: every migration ran
    assert "alembic" not in loaded_by(start, database)  # at head: nothing to load


def test_a_database_behind_or_without_its_search_index_is_brought_up_to_date(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    database = tmp_path / "behind.db"
    engine = create_engine(f"sqlite:///{database}")
    heads = migrate.head_revisions()
    assert heads is not None
    older = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_revision(next(iter(heads))).down_revision
    migrate.upgrade(engine, str(older))
    assert not migrate.is_current(engine)
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    with sqlite3.connect(database) as raw:  # what a batch migration of ``users`` leaves
        raw.execute("DROP TRIGGER users_search_ai")
    migrate.upgrade(engine)
    with sqlite3.connect(database) as raw:
        triggers = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "users_search_ai" in triggers

    # An older version's trigger (it fired on every UPDATE of users, a log-in's too) is replaced.
    with sqlite3.connect(database) as raw:
        raw.execute("DROP TRIGGER users_search_au")
        raw.execute(
            "CREATE TRIGGER users_search_au AFTER UPDATE ON users BEGIN UPDATE users_search "
            "SET haystack = lower(new.email_key) WHERE rowid = old.rowid; END"
        )
    migrate.upgrade(engine)
    assert "AFTER UPDATE OF email_key, name, given_name, family_name ON users" in trigger_sql(
        database, "users_search_au"
    )
    engine.dispose()


def trigger_sql(database: Path, name: str) -> str:
    with sqlite3.connect(database) as raw:
        (sql,) = raw.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    return str(sql)


def test_the_newest_revisions_read_from_the_files_are_alembics() -> None:
    config = Config()
    config.set_main_option("script_location", "tenantry.server.db:migrations")
    assert migrate.head_revisions() == frozenset(ScriptDirectory.from_config(config).get_heads())
