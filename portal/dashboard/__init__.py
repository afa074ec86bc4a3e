"""My package: the home of every customer user."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from portal.dashboard import routes  # noqa: E402, F401
