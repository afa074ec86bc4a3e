"""Who may see what: sign-in, roles, and scoping every customer object to its account."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Account, Role, User

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Signed-in users with one of `roles` pass; others get 403, anonymous users sign in."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.user_role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def current_account_id() -> int:
    """The signed-in customer's account; vendor users have none and get 403."""
    account_id = getattr(current_user, "account_id", None)
    if account_id is None:
        abort(403)
    return account_id


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user behind the session cookie, with the account's package.

    Loading the account, its subscription and billing info in the same query saves a round
    trip on every customer page (the payment summary is read on each keystroke).
    """
    if not user_id.isdigit():
        return None
    return db.session.scalar(_user_with_account(), {"user_id": int(user_id)})


@cache
def _user_with_account() -> Select[tuple[User]]:
    """The loader's statement, built once: building it costs as much as running it."""
    return (
        select(User)
        .options(
            joinedload(User.account).joinedload(Account.subscription),
            joinedload(User.account).joinedload(Account.billing_info),
        )
        .where(User.id == bindparam("user_id"))
    )


def add_security_headers(response: Any) -> Any:
    """Headers every page needs; Vary because pages and fragments share URLs."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    )
    response.vary.add("HX-Request")
    response.vary.add("Cookie")
    return response


def init_app(app: Flask, login_manager: LoginManager) -> None:
    """Configure Flask-Login and the response headers."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    app.after_request(add_security_headers)
