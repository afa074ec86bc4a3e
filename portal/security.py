"""Who may see what: sign-in, roles, and scoping every customer object to its account."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from functools import cache, wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request, session
from flask_login import LoginManager, current_user, login_required
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from portal import clock
from portal.assets import ASSET_ENDPOINTS, SCRIPT_AND_STYLE_TYPES
from portal.extensions import db
from portal.forms import FORBIDDEN_TEXT
from portal.models import Account, QuoteStatus, Role, SalesQuote, User
from portal.numbers import ASCII_DIGITS, MAX_ID, MAX_ID_DIGITS, whole_number
from portal.safe_gettext import lazy_gettext as _l

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Signed-in users with one of `roles` pass; others get 403, anonymous users sign in."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        # wraps gives the view's name and docstring, not its type: F says the signature stays.
        return wrapped  # type: ignore[return-value]

    return decorator


def reads_only(view: F) -> F:
    """Mark a view that only reads, each statement on its own: it runs without a transaction.

    On PostgreSQL a transaction costs two round trips of its own (BEGIN, then ROLLBACK when the
    request ends); a view whose figures all come from one SELECT (the summary, the back office
    list with its counts) needs neither, as that SELECT is its own snapshot. Writing in such a
    view would commit statement by statement, so it fails instead (RuntimeError).

    On SQLite a SELECT opens no transaction and costs no round trip anyway, while switching
    the connection to autocommit and back cost a quarter of a millisecond: the view runs as
    any other there, and still fails if it changes a row.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if db.engine.dialect.name != "sqlite":
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        result = view(*args, **kwargs)
        if db.session.new or db.session.dirty or db.session.deleted:
            raise RuntimeError(f"{view.__name__} is marked reads_only but changed rows")
        return result

    # wraps gives the view's name and docstring, not its type: F says the signature stays.
    return wrapped  # type: ignore[return-value]


def current_account_id() -> int:
    """The signed-in customer's account; vendor users have none and get 403."""
    account_id = getattr(current_user, "account_id", None)
    if account_id is None:
        abort(403)
    return account_id


def load_user(cookie_id: str) -> User | None:
    """Flask-Login's loader: the user behind the session cookie, with the account's package.

    The cookie holds "<id>:<session token>"; a token that no longer matches (signed out,
    password changed, removed from the team) loads nobody, so an old cookie is worthless.
    Loading the account, its subscription and billing info in the same query saves a round
    trip on every customer page (the payment summary is read on each keystroke).
    """
    user_text, _sep, token = cookie_id.partition(":")
    user_id = whole_number(user_text)
    if user_id is None or not token:
        return None
    row = db.session.execute(
        _user_with_account(), {"user_id": user_id, "today": clock.today()}
    ).first()
    if row is None:
        return None
    user, open_quotes = row
    if not user.can_sign_in:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    # The menu's count of open quotes came in the same query (see quote_menu).
    user.open_quote_count = open_quotes
    return user


@cache
def _user_with_account() -> Select[User, int]:
    """The loader's statement, built once: building it costs as much as running it."""
    open_quotes = (
        select(func.count(SalesQuote.id))
        .where(
            SalesQuote.account_id == User.account_id,
            SalesQuote.status == QuoteStatus.SENT,
            SalesQuote.valid_until >= bindparam("today"),
        )
        .scalar_subquery()
    )
    return (
        select(User, open_quotes)
        .options(
            joinedload(User.account).joinedload(Account.subscription),
            joinedload(User.account).joinedload(Account.billing_info),
        )
        .where(User.id == bindparam("user_id"))
    )


# Pages that never show anything of a signed-in user and may be cached.
CACHEABLE_ENDPOINTS = ASSET_ENDPOINTS | {"web.health"}


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), usb=(), interest-cohort=()"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'"
)


def static_headers(app: Flask) -> list[tuple[str, str]]:
    """The headers that do not depend on the request (HSTS when the site is HTTPS only)."""
    headers = [
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ]
    if app.config.get("STRICT_TRANSPORT_SECURITY"):
        headers.insert(0, ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def static_headers_of(app: Flask) -> list[tuple[str, str]]:
    """static_headers(app), worked out once per app (its configuration is read at start)."""
    kept = app.extensions.get("portal_static_headers")
    if kept is None:
        kept = app.extensions["portal_static_headers"] = static_headers(app)
    return kept


def add_security_headers(response: Any) -> Any:
    """Headers every page needs; Vary because pages and fragments share URLs."""
    headers = response.headers
    # One pass over what the view set (a view may set its own CSP, say), instead of a search
    # of the headers per name: this runs for every response.
    present = {name.lower() for name, _value in headers.items()}
    # current_app is a LocalProxy that Flask types as the app itself, hence the ignore.
    wanted = static_headers_of(current_app._get_current_object())  # type: ignore[attr-defined]
    if request.endpoint in ASSET_ENDPOINTS and response.mimetype in SCRIPT_AND_STYLE_TYPES:
        wanted = [(name, value) for name, value in wanted if name not in DOCUMENT_ONLY_HEADERS]
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    signed_in = request.endpoint not in CACHEABLE_ENDPOINTS and "_user_id" in session
    if signed_in and "no-store" not in headers.get("Cache-Control", ""):
        # Billing pages must not stay in a shared or back-button cache after sign-out.
        headers["Cache-Control"] = "no-store"
    if "vary" in present:
        response.vary.update(VARY)
    else:
        headers["Vary"] = ", ".join(VARY)
    return response


# A stylesheet or script is never a document: these headers only act on documents (what it may
# embed, be embedded by, or use), so the assets of a first visit go without them (~2 KB).
# nosniff and the referrer policy (which a stylesheet's own fetches follow) stay.
DOCUMENT_ONLY_HEADERS = frozenset(
    {
        "Permissions-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Frame-Options",
        "Content-Security-Policy",
    }
)

# Pages and their htmx fragments share URLs, and what a page shows depends on who is signed in.
VARY = ("HX-Request", "Cookie")


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` that only matches ids a database column can hold, in ASCII digits: larger
    ones, and full-width or other Unicode digits (U+FF12, which werkzeug's regex and `int()`
    accept), are 404."""

    regex = ASCII_DIGITS.pattern

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        """As werkzeug's, with MAX_ID as the default maximum."""
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        """A number in range, else 404 at once (not a 405 from a sibling rule's method)."""
        if len(value) > MAX_ID_DIGITS or not ASCII_DIGITS.fullmatch(value):
            raise NotFound
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound from None


# What our pages put in a Pay form (secrets.token_hex) and what a gateway takes as an
# idempotency key: ASCII letters and digits. str.isalnum() also passes full-width or accented
# letters, which the gateway's HTTP header cannot carry: the payment was left "created".
CONFIRMATION_KEY = re.compile(r"[A-Za-z0-9]{8,64}")


class BadConfirmationKey(BadRequest):
    """A Pay form whose confirmation key our pages did not write: changed, or out of date."""

    code = 400
    description = "bad confirmation key"


class ConfirmationKey(str):
    """The confirmation key of a Pay form (wizard, seats, open invoice, quote checkout), checked.

    One per rendering of the form: a resent form (a double click, a reload, two tabs) finds
    the payment the first one made. Only a checked key exists: any other text is refused
    (BadConfirmationKey, a 400 page) before a payment is recorded.
    """

    __slots__ = ()

    def __new__(cls, text: object) -> ConfirmationKey:
        """The key, or BadConfirmationKey for anything our pages did not write."""
        if not isinstance(text, str) or not CONFIRMATION_KEY.fullmatch(text):
            raise BadConfirmationKey
        return super().__new__(cls, text)

    @classmethod
    def new(cls) -> ConfirmationKey:
        """A fresh key for one rendering of a Pay form."""
        return cls(secrets.token_hex(16))

    @classmethod
    def posted(cls) -> ConfirmationKey:
        """The key the Pay form posted (its `confirmation_key` field)."""
        return cls(request.form.get("confirmation_key"))


class UnsafeText(BadRequest):
    """A form or query value with characters no text field of ours accepts."""

    code = 400
    description = "unsafe characters"


def has_forbidden_text(values: Iterable[str]) -> bool:
    """True when any value holds a control or text-direction character."""
    return any(FORBIDDEN_TEXT.search(value) for value in values)


class UnexpectedFile(BadRequest):
    """A file part (multipart with a filename) posted to a route of ours: none takes files."""

    code = 400
    description = "no file expected"


def checks_form_text(view: F) -> F:
    """Mark a view that refuses unsafe text in its posted form itself, field by field.

    Its PortalForm does (or, for a field read without one, forms.unsafe_text_error): the page
    comes back with the field's error and everything else that was typed, instead of the
    guard's bare 400. A file part posted into one of its fields is that field's error too.
    Only for views that read nothing from the posted form except through such a check.
    """
    # A mark on the function object, read by refuse_unsafe_text; functions take attributes.
    view.checks_form_text = True  # type: ignore[attr-defined]
    return view


def accepts_file(max_body_bytes: int) -> Callable[[F], F]:
    """Mark a view whose form takes one uploaded file (a letter of intent's PDF): its body
    may be up to `max_body_bytes` (the app's limit stays for every other route), and a file
    part is its to check. Only together with checks_form_text."""

    def mark(view: F) -> F:
        view.accepts_file_bytes = max_body_bytes  # type: ignore[attr-defined]
        return view

    return mark


def refuse_unsafe_text() -> None:
    """Every text input of every route, in one place: refuse rather than store or echo them.

    Query strings (links, GET search boxes) and the names of posted fields are refused here
    with a 400 page; posted values too, unless the view checks them field by field
    (checks_form_text). No route takes a file: a file part is refused the same way.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    checked_by_form = getattr(view, "checks_form_text", False)
    takes_file = checked_by_form and getattr(view, "accepts_file_bytes", None) is not None
    posted = request.form
    if has_forbidden_text(request.args.keys()) or has_forbidden_text(
        value for _key, value in request.args.items(multi=True)
    ):
        raise UnsafeText
    if has_forbidden_text(posted.keys()) or has_forbidden_text(request.files.keys()):
        raise UnsafeText
    if checked_by_form:
        return
    if has_forbidden_text(value for _key, value in posted.items(multi=True)):
        raise UnsafeText
    if request.files and not takes_file:
        raise UnexpectedFile


def allow_file_body() -> None:
    """A view that takes a file may read a larger body (413 beyond it, never parsed); run
    before anything reads the form (the CSRF check does)."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "accepts_file_bytes", None)
    if limit is not None and getattr(view, "checks_form_text", False):
        request.max_content_length = limit


def init_app(app: Flask, login_manager: LoginManager) -> None:
    """Configure Flask-Login, the id converter, the text guard and the response headers."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_unsafe_text)
    # First of all the app's hooks: the CSRF check, registered earlier, reads the body.
    app.before_request_funcs.setdefault(None, []).insert(0, allow_file_body)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    app.after_request(add_security_headers)
