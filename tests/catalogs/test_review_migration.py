"""The review-state migration: every edit starts with the last translation saved reviewed."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from tests.conftest import POSTGRESQL_ADMIN_URL

BEFORE = "f3b8d2a6c1e5"
EDITS = [
    # id, strings, fuzzy, history as (revision, strings after, fuzzy after)
    (1, ["Aperta"], False, [(1, ["Aperta"], False)]),
    (2, ["Nuova proposta"], True, [(1, ["Rivista"], False), (2, ["Nuova proposta"], True)]),
    (3, ["Mai rivista"], True, [(1, ["Mai rivista"], True)]),
    (4, ["Ultima"], True, [(1, ["Prima"], False), (2, ["Seconda"], False), (3, ["Ultima"], True)]),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    """An empty database of each kind, for this test alone."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    name = f"portal_migration_{os.getpid()}"
    try:
        with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable: {error}")
    yield POSTGRESQL_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(POSTGRESQL_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_edits_start_with_their_last_reviewed_translation(empty_database: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    with app.app_context():
        upgrade(revision=BEFORE)
        for edit_id, strings, fuzzy, history in EDITS:
            db.session.execute(
                text(
                    "INSERT INTO translation_edits (id, language, entry_key, msgid, strings, "
                    "fuzzy, revision, exported_revision, updated_at, updated_by_name) VALUES "
                    "(:id, 'it', :key, :msgid, :strings, :fuzzy, :revision, 0, "
                    "CURRENT_TIMESTAMP, 'Tina')"
                ),
                {
                    "id": edit_id,
                    "key": f"key{edit_id}",
                    "msgid": f"Entry {edit_id}",
                    "strings": json.dumps(strings),
                    "fuzzy": fuzzy,
                    "revision": len(history),
                },
            )
            for revision, after, fuzzy_after in history:
                db.session.execute(
                    text(
                        "INSERT INTO translation_changes (edit_id, revision, user_name, "
                        "changed_at, strings_before, strings_after, fuzzy_before, fuzzy_after) "
                        "VALUES (:edit, :revision, 'Tina', CURRENT_TIMESTAMP, '[]', :after, "
                        ":fuzzy_before, :fuzzy_after)"
                    ),
                    {
                        "edit": edit_id,
                        "revision": revision,
                        "after": json.dumps(after),
                        "fuzzy_before": False,
                        "fuzzy_after": fuzzy_after,
                    },
                )
        db.session.commit()
        upgrade()
        rows = db.session.execute(
            text("SELECT id, reviewed_strings FROM translation_edits ORDER BY id")
        ).all()
        db.session.remove()
        db.engine.dispose()
    reviewed = {
        row.id: json.loads(row.reviewed_strings)
        if isinstance(row.reviewed_strings, str)
        else row.reviewed_strings
        for row in rows
    }
    assert reviewed == {1: ["Aperta"], 2: ["Rivista"], 3: None, 4: ["Seconda"]}
