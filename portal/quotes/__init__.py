"""Sales quotes: staff drafts and queue under /backoffice/quotes, customers under /quotes."""

from flask import Blueprint

bp = Blueprint("quotes", __name__)

from portal.quotes import routes  # noqa: E402, F401
