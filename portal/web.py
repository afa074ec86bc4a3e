"""Rendering helpers shared by every blueprint: page or fragment, errors, front-end assets."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from portal.assets import VENDOR_FILES
from portal.security import BadConfirmationKey, UnexpectedFile, UnsafeText, static_headers_of

bp = Blueprint("web", __name__)

# The only third-party files we serve, each from its npm package (package.json pins them).


def wants_fragment() -> bool:
    """True for an htmx swap; a boosted link or a history restore needs the whole page."""
    htmx: Any = getattr(request, "htmx", None)  # htmx_flask's request details, untyped
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def whole_page_redirect(location: str, code: int = 302) -> Response:
    """Go to another page, also from an htmx request: htmx is told to load it as a whole page
    (HX-Redirect) instead of swapping the redirect's target into the part that asked."""
    if wants_fragment():
        response = Response(status=204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=code)


def private_download(content: bytes, mimetype: str, name: str, *, inline: bool = False) -> Response:
    """A file of the signed-in user's own (an invoice, a quote, a catalog) that no shared or
    browser cache keeps: named `name`, shown in the browser when `inline`, else saved."""
    response = send_file(
        io.BytesIO(content),
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=name,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# A form sent back with its errors: the page shows it again with them (htmx swaps it too).
UNPROCESSABLE = 422


def form_status(form: FlaskForm) -> int:
    """The status of a page showing `form`: UNPROCESSABLE once it came back with errors."""
    return UNPROCESSABLE if form.errors else 200


def render_page(page: str, fragment: str, **context: Any) -> str:
    """Render the full page, or only its fragment for an htmx request (one decision, here)."""
    return render_template(fragment if wants_fragment() else page, **context)


@bp.get("/health")
def health() -> Response:
    """A trivial answer for load balancers (and the benchmark's baseline)."""
    return Response("ok", mimetype="text/plain")


@bp.get("/vendor/<name>")
def vendor_asset(name: str) -> Response:
    """Serve a pinned front-end asset from the installed npm packages."""
    relative = VENDOR_FILES.get(name)
    if relative is None:
        abort(404)
    path = Path(current_app.config["VENDOR_DIR"]) / relative
    if not path.is_file():
        current_app.logger.error("front-end asset %s is missing: run `npm ci`", path)
        abort(404)
    return send_file(path, max_age=None)  # portal.assets sets how long it is kept


def _error_page(error: HTTPException) -> tuple[str, int]:
    """A translated error page (or fragment) with the right status."""
    messages = {
        400: _("The request could not be understood. Please try again."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist, or it is not yours to see."),
        405: _("This action is not available here."),
        413: _(
            "What you sent is too large. Shorten the text (notes and fields hold a few hundred "
            "characters) and try again."
        ),
        429: _("Too many attempts. Please wait a moment and try again."),
        503: _("This is not available right now. We have been notified; please try again later."),
    }
    code = error.code or 500
    message = messages.get(code, _("Something went wrong on our side. Please try again later."))
    return render_page("error.html", "_error.html", code=code, message=message), code


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    """A forged or expired form: say so, lose nothing else."""
    message = _("This form has expired or was not sent by this site. Reload the page and retry.")
    return render_page("error.html", "_error.html", code=400, message=message), 400


def _confirmation_key_error(error: BadConfirmationKey) -> tuple[str, int]:
    """A Pay form whose confirmation key was changed: nothing was recorded nor charged."""
    message = _(
        "This payment form was changed or is out of date: nothing was charged. Reload the "
        "page and pay again."
    )
    return render_page("error.html", "_error.html", code=400, message=message), 400


def _unexpected_file_error(error: UnexpectedFile) -> tuple[str, int]:
    """A file sent where a form takes text (no form of the portal takes files)."""
    message = _("This form does not take files. Type or paste the text, then send it again.")
    return render_page("error.html", "_error.html", code=400, message=message), 400


def _unsafe_text_error(error: UnsafeText) -> tuple[str, int]:
    """Invisible control or text-direction characters were typed or pasted: say which."""
    message = _(
        "The text contains characters that cannot be used: invisible control characters "
        "(such as a NUL byte) or text-direction marks (such as U+202E, right-to-left "
        "override). Remove them, for example by typing the text again, and retry."
    )
    return render_page("error.html", "_error.html", code=400, message=message), 400


class HealthCheck:
    """WSGI middleware answering `GET /health` before Flask runs.

    A load balancer's probe needs no session, user, locale or request hooks; answered here it
    costs what a bare WSGI app does. The `web.health` route stays for url_for and for a
    server that mounts the app elsewhere. The headers are those every response carries.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], headers: list[tuple[str, str]]):
        """Wrap `app`; answer the probe with `headers`."""
        self.app = app
        self.headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "2")]
        self.headers += headers

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The probe's answer, or the app's."""
        if environ.get("PATH_INFO") == "/health" and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            start_response("200 OK", list(self.headers))
            return [b"ok"] if environ["REQUEST_METHOD"] == "GET" else []
        return self.app(environ, start_response)


def support_href() -> str:
    """Where customers get help: the configured help-desk page, else a mail to support."""
    return current_app.config["SUPPORT_URL"] or f"mailto:{current_app.config['SUPPORT_EMAIL']}"


def init_app(app: Flask) -> None:
    """Register error pages, the asset route and the support link; answer /health before Flask."""
    # Wrapping wsgi_app is how Flask adds WSGI middleware; mypy sees a method replaced.
    app.wsgi_app = HealthCheck(app.wsgi_app, static_headers_of(app))  # type: ignore[method-assign]
    app.register_blueprint(bp)
    app.jinja_env.globals["support_href"] = support_href
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(UnsafeText, _unsafe_text_error)
    app.register_error_handler(BadConfirmationKey, _confirmation_key_error)
    app.register_error_handler(UnexpectedFile, _unexpected_file_error)
    for code in (400, 403, 404, 405, 413, 429, 500, 503):
        app.register_error_handler(code, _error_page)
