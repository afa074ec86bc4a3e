"""Text search helpers shared by the staff's lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, Select, String, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.domain.text_folding import fold_for_search
from portal.extensions import db
from portal.models import Account, BillingInfo, User

__all__ = ["LIKE_ESCAPE", "contains_pattern", "fold_for_search", "matching_accounts"]

LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its own % and _ taken literally.

    Use it with `escape=LIKE_ESCAPE`.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class folded(FunctionElement[str]):
    """A column as a case-insensitive LIKE must see it: lower(column) on PostgreSQL, the
    expression the trigram indexes hold; the bare column on SQLite, whose LIKE already
    ignores ASCII case, the only case its lower() folds (so lower() there only cost time)."""

    type = String()
    inherit_cache = True


@compiles(folded)
def _lower(element: folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _as_is(element: folded, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


def matching_accounts(query: str) -> CompoundSelect[Any]:
    """Ids of accounts whose name, company, billing or user e-mail, or VAT ID contains the
    query: one SELECT a column, so each can use its own trigram index (PostgreSQL)."""
    pattern = contains_pattern(query.lower())
    name_pattern = contains_pattern(fold_for_search(query))
    vat_pattern = contains_pattern("".join(query.split()).upper())
    return union(
        select(Account.id).where(Account.name_search.like(name_pattern, escape=LIKE_ESCAPE)),
        select(BillingInfo.account_id).where(
            BillingInfo.company_search.like(name_pattern, escape=LIKE_ESCAPE)
        ),
        select(BillingInfo.account_id).where(
            folded(BillingInfo.billing_email).like(pattern, escape=LIKE_ESCAPE)
        ),
        select(BillingInfo.account_id).where(
            BillingInfo.vat_id.like(vat_pattern, escape=LIKE_ESCAPE)
        ),
        select(User.account_id).where(
            User.account_id.is_not(None), folded(User.email).like(pattern, escape=LIKE_ESCAPE)
        ),
    )


@dataclass(frozen=True)
class AccountSuggestion:
    """An account offered to staff picking one: its name and what tells it apart."""

    id: int
    name: str
    country: str | None
    vat_id: str | None
    billing_email: str | None


SUGGESTIONS = 10


def _suggestions() -> Select[int, str, str, str | None, str]:
    """Accounts with what a suggestion shows of them."""
    return select(
        Account.id,
        Account.name,
        BillingInfo.country,
        BillingInfo.vat_id,
        BillingInfo.billing_email,
    ).outerjoin(BillingInfo, BillingInfo.account_id == Account.id)


def account_suggestions(query: str, limit: int = SUGGESTIONS) -> list[AccountSuggestion]:
    """The first accounts by name that the query finds (as the back office's account search
    does): an indexed search that stays quick with thousands of accounts."""
    query = " ".join(query.split())[:100]
    if not query:
        return []
    matches = matching_accounts(query).cte("matches")
    rows = db.session.execute(
        _suggestions()
        .where(Account.id.in_(select(matches.c.id)))
        .order_by(Account.name, Account.id)
        .limit(limit)
    ).all()
    return [AccountSuggestion(*row) for row in rows]


def account_suggestion(account_id: int) -> AccountSuggestion | None:
    """One account as a suggestion (the one already chosen)."""
    row = db.session.execute(_suggestions().where(Account.id == account_id)).first()
    return AccountSuggestion(*row) if row else None
