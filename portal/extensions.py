"""Extension singletons; each is bound to the app with init_app in create_app."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import Engine, MetaData, event, exc
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import DeclarativeBase

from portal.safe_gettext import PortalBabel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# PostgreSQL-only trigram (pg_trgm GIN) indexes end so; they live in the migrations alone
# (075bd1a96616), as SQLite has no such index, and autogenerate must not drop them.
DATABASE_ONLY_INDEX_SUFFIX = "_trgm"
# Partial unique indexes live in the migrations alone too (63d762632e0f): SQLAlchemy spells
# their WHERE per dialect (postgresql_where), and naming PostgreSQL's in a model would load
# its dialect into every worker of a SQLite deployment.
DATABASE_ONLY_INDEXES = frozenset({"uq_users_one_owner", "uq_users_email_signs_in"})


def include_in_autogenerate(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's include_object: everything but the database-only indexes."""
    return not (
        type_ == "index"
        and reflected
        and ((name or "").endswith(DATABASE_ONLY_INDEX_SUFFIX) or name in DATABASE_ONLY_INDEXES)
    )


class Base(DeclarativeBase):
    """Declarative base with named constraints, so migrations stay portable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as FlaskModel

    class Model(FlaskModel, Base):
        """`db.Model` as mypy can see it: a type checker cannot subclass an attribute."""

else:
    # Flask-SQLAlchemy builds this class from Base and its own mixins.
    Model = db.Model


def insert_on_conflict(table: Any) -> Any:
    """An INSERT that can say ON CONFLICT, for the database in use (PostgreSQL or SQLite).

    Only that database's dialect module is imported: PostgreSQL's costs every worker of a
    SQLite deployment 2.4 MiB.
    """
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def matched_rows(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE without RETURNING matched.

    Such a statement's result is a CursorResult, but SQLAlchemy types `Session.execute` as
    returning a plain Result, since other ORM statements give one (its advice: cast).
    """
    return cast(CursorResult[Any], result).rowcount


babel = PortalBabel()
csrf = CSRFProtect()
login_manager = LoginManager()
htmx = Htmx()


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection with a round trip when it sat idle `idle_seconds` or more.

    A connection the server dropped (a restart, an idle timeout, a failover) is found before a
    request uses it: the failed ping makes the pool discard it and connect anew (SQLAlchemy's
    pessimistic disconnect handling). A connection handed back moments ago is used as it is;
    pinging it too would cost every request one more round trip, most of a small query's time.
    """

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and checks out another (a fresh one).
            raise exc.DisconnectionError("the connection was dropped while idle") from error
