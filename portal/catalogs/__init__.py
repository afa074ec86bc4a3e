"""The translators' area: the state of the Italian and French catalogs."""

from flask import Blueprint

bp = Blueprint("catalogs", __name__, url_prefix="/translations")

from portal.catalogs import routes  # noqa: E402, F401
