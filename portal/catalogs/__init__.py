"""The translators' area: the Italian and French catalogs, edited live."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the editor, the live catalogs and `flask translations`."""
    from portal.catalogs import cli, glossary_routes, live, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(glossary_routes.bp)
    live.init_app(app)
    app.cli.add_command(cli.translations_cli)
