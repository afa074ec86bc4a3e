"""The translators' area: the Italian and French catalogs, edited live."""

from flask import Blueprint, Flask

bp = Blueprint("catalogs", __name__, url_prefix="/translations")

from portal.catalogs import cli, live, routes  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Register the editor, the live catalogs and `flask translations`."""
    app.register_blueprint(bp)
    live.init_app(app)
    app.cli.add_command(cli.translations_cli)
