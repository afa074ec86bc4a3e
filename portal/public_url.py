"""The portal's public address: every link handed out is built on it, and only its hosts are served.

A link in an e-mail (password reset, invitation, quote) or an address handed to or by the
payment gateway (return pages, the sandbox's 3-D Secure and PayPal pages) outlives the request
that made it, so it never comes from that request's Host or X-Forwarded-Host: an attacker who
posts "forgot password" with `Host: evil.example` would get the victim's token sent to his own
site. `public_url_for` builds them on PUBLIC_URL instead, with or without a request (the
renewal run and the reconciliation run from cron).

Requests for any other host than PUBLIC_URL's and ALLOWED_HOSTS (and, on a developer machine or
in the tests, localhost and 127.0.0.1) are refused with a 400 before Flask runs: nothing is
rendered, looked up or sent for them. `/health` is answered before this check
(portal.web.HealthCheck), as load balancers probe it by IP address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

from portal.config import check_allowed_hosts, check_public_url, trusted_hosts

log = logging.getLogger(__name__)

REFUSAL = b"Bad Request: this host name is not served here.\n"


def public_url_for(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` on the portal's public URL (PUBLIC_URL, with its path
    prefix), as `url_for(endpoint, **values, _external=True)` would give on that address."""
    # current_app is a LocalProxy that Flask types as the app itself, hence the ignore.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    base = urlsplit(app.config["PUBLIC_URL"])
    app.inject_url_defaults(endpoint, values)
    adapter = app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


class TrustedHosts:
    """WSGI middleware refusing a request whose host is not one the portal serves.

    The host is werkzeug's reading of the request (the Host header; X-Forwarded-Host only
    where the operator wraps the app in ProxyFix, which then sets the Host before this runs).
    Flask's own TRUSTED_HOSTS check raises while the request's URL adapter is made, and the
    error page could then build no URL (a 500); refused here, no page is needed.
    """

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        hosts: list[str],
        headers: list[tuple[str, str]],
    ) -> None:
        """Wrap `app`; serve `hosts`; refuse the others with `headers`."""
        self.app = app
        self.hosts = hosts
        self.headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(REFUSAL))),
            ("Cache-Control", "no-store"),
            *headers,
        ]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The app's answer for a served host; a 400 for any other."""
        try:
            get_host(environ, self.hosts)
        except SecurityError:
            log.warning("refused a request for host %r", environ.get("HTTP_HOST", "")[:255])
            start_response("400 Bad Request", list(self.headers))
            return [] if environ.get("REQUEST_METHOD") == "HEAD" else [REFUSAL]
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    """Check PUBLIC_URL and ALLOWED_HOSTS as the app has them (a test's settings included)
    and refuse every other host; call it before portal.web wraps /health around it."""
    from portal.security import static_headers_of

    local = app.config["PORTAL_ENV"] in {"development", "testing"}
    public_url = check_public_url(app.config["PUBLIC_URL"], production=not local)
    allowed = check_allowed_hosts(app.config["ALLOWED_HOSTS"])
    hosts = trusted_hosts(public_url, allowed, local=local)
    app.config.update(PUBLIC_URL=public_url, ALLOWED_HOSTS=allowed, TRUSTED_HOSTS=hosts)
    # Wrapping wsgi_app is how Flask adds WSGI middleware; mypy sees a method replaced.
    app.wsgi_app = TrustedHosts(app.wsgi_app, hosts, static_headers_of(app))  # type: ignore[method-assign]
