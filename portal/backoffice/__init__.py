"""The vendor's back office: every account's billing state, for staff."""

from flask import Blueprint

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")

from portal.backoffice import routes  # noqa: E402, F401
