"""The customer billing portal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from portal.config import PROJECT_ROOT, engine_options, load_settings


def create_app(test_config: dict[str, Any] | None = None, *, migrations: bool = True) -> Flask:
    """Build the application: settings, extensions, catalogs of prices and rates, blueprints.

    `migrations=False` leaves out Flask-Migrate (the `flask db` commands): it imports Alembic,
    Mako and Pygments, about 11 MiB in every server worker that never migrates (wsgi.py).
    """
    app = Flask(
        __name__,
        instance_path=str(Path(PROJECT_ROOT / "instance").resolve()),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_settings(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    from portal import (
        assets,
        billing_text,
        cli,
        i18n,
        labels,
        payments,
        public_url,
        reference_data,
        security,
        web,
    )
    from portal.extensions import csrf, db, htmx, login_manager, ping_after_idle

    # A broken price list or VAT table stops start-up here, naming the bad entry.
    reference_data.init_app(app)

    db.init_app(app)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            ping_after_idle(db.engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    if migrations:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    security.init_app(app, login_manager)
    i18n.init_app(app)
    labels.init_app(app)
    billing_text.init_app(app)
    # Unknown hosts are refused; web's /health answer goes around that check (load balancers).
    public_url.init_app(app)
    web.init_app(app)
    assets.init_app(app)
    cli.init_app(app)
    payments.init_app(app)
    from portal.einvoices import produce as einvoices

    # Documents issued by a transaction get their e-invoice files just before it commits.
    einvoices.init_app(app)

    from portal import payment_purposes
    from portal.auth import routes as auth
    from portal.backoffice import routes as backoffice
    from portal.billing import routes as billing
    from portal.dashboard import routes as dashboard
    from portal.invoices import routes as invoices
    from portal.methods import routes as methods
    from portal.quotes import routes as quotes
    from portal.refunds import routes as refunds
    from portal.seats import routes as seats
    from portal.team import routes as team
    from portal.wizard import routes as wizard

    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(refunds.bp)
    app.register_blueprint(team.bp)
    app.register_blueprint(backoffice.bp)
    from portal import catalogs

    catalogs.init_app(app)
    app.register_blueprint(methods.bp)
    app.register_blueprint(wizard.bp)
    app.register_blueprint(seats.bp)
    app.register_blueprint(invoices.bp)
    app.register_blueprint(billing.bp)
    app.register_blueprint(quotes.bp)
    payment_purposes.init_app(app)
    return app
