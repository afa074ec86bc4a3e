"""The account's users, where the owner names billing admins."""

from flask import Blueprint

bp = Blueprint("team", __name__, url_prefix="/team")

from portal.team import routes  # noqa: E402, F401
