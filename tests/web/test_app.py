"""Start-up checks, settings, the schema from migrations, headers and front-end assets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal import create_app
from portal.config import ConfigurationError, normalize_database_url
from portal.domain.catalog import PriceListError
from portal.extensions import DATABASE_ONLY_INDEX_SUFFIX, db, include_in_autogenerate


def test_missing_secret_key_stops_production_start_up(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        create_app()


def test_production_uses_the_given_secret_key(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-value-from-the-operator")
    monkeypatch.setenv("PUBLIC_URL", "https://billing.example.com")
    app = create_app()
    assert app.config["SECRET_KEY"] == "a-long-random-value-from-the-operator"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_keeps_a_generated_key(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    assert len(first) >= 32
    assert create_app().config["SECRET_KEY"] == first


def test_database_url_selects_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
    )


def test_postgres_scheme_is_normalized():
    assert normalize_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_broken_price_list_stops_start_up_naming_the_entry(tmp_path, monkeypatch, project_root):
    good = (project_root / "portal/data/prices.toml").read_text()
    broken = tmp_path / "prices.toml"
    broken.write_text(good.replace('CZK = "6000.00"', "CZK = 6000.0"))
    assert broken.read_text() != good
    monkeypatch.setenv("PRICE_LIST_FILE", str(broken))
    with pytest.raises(PriceListError, match=r"plans\.pro\.agent\.annual\.CZK"):
        create_app()


def test_seller_outside_the_eu_is_refused(monkeypatch):
    monkeypatch.setenv("SELLER_COUNTRY", "US")
    with pytest.raises(ValueError, match="SELLER_COUNTRY"):
        create_app()


def test_schema_from_migrations_matches_the_models(app):
    # As `flask db migrate` compares them: the PostgreSQL-only trigram indexes left aside.
    opts = {"include_object": include_in_autogenerate}
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts=opts), db.metadata
        )
    assert differences == []


def test_postgresql_has_the_trigram_indexes_of_the_account_search(app, backend):
    if backend != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with app.app_context(), db.engine.connect() as connection:
        names = set(
            connection.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE %s",
                ("%" + DATABASE_ONLY_INDEX_SUFFIX,),
            ).scalars()
        )
    assert names == {
        # Names and companies are searched in their folded form (accents and case removed).
        "ix_accounts_name_search_trgm",
        "ix_billing_info_company_search_trgm",
        "ix_billing_info_billing_email_trgm",
        "ix_billing_info_vat_id_trgm",
        "ix_users_email_trgm",
    }


def test_security_headers_and_vary(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "HX-Request" in response.headers["Vary"]


def _vary(response) -> list[str]:
    return [name.strip() for name in response.headers["Vary"].split(",")]


def test_vary_names_each_request_header_a_page_depends_on_once(client):
    for headers in ({}, {"Accept-Encoding": "br"}, {"HX-Request": "true"}):
        response = client.get("/login", headers=headers)
        assert sorted(_vary(response)) == ["Accept-Encoding", "Cookie", "HX-Request"]
        assert response.headers.getlist("X-Frame-Options") == ["DENY"]


def test_htmx_request_gets_a_fragment_and_a_full_load_gets_the_page(client):
    full = client.get("/no-such-page")
    assert full.status_code == 404
    assert "<html" in full.text
    fragment = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert "<html" not in fragment.text
    assert "This page does not exist" in fragment.text
    boosted = client.get("/no-such-page", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_front_end_assets_come_from_npm_packages(client, app):
    if not (Path(app.config["VENDOR_DIR"]) / "htmx.org").is_dir():
        pytest.skip("npm packages are not installed (run npm ci)")
    with client.get("/vendor/htmx.min.js") as script:
        assert script.status_code == 200
        assert b"htmx" in script.data
    with client.get("/vendor/pico.min.css") as stylesheet:
        assert stylesheet.status_code == 200
    assert client.get("/vendor/../package.json").status_code == 404
    assert client.get("/vendor/other.js").status_code == 404


def test_pages_load_htmx_and_send_csrf_with_htmx_requests(client):
    page = client.get("/login").text
    assert "/vendor/htmx.min.js" in page
    assert 'hx-headers=\'{"X-CSRFToken": "' in page


def test_the_served_app_leaves_the_migration_tools_out(project_root, tmp_path):
    # Each gunicorn worker imports wsgi.py: Alembic, Mako and Pygments would be 11 MiB in each,
    # and PostgreSQL's dialect 2.4 MiB in each worker of a SQLite deployment.
    code = (
        "import sys, wsgi; "
        "print(sorted(m for m in ('alembic', 'flask_migrate', 'mako', 'pygments',"
        " 'sqlalchemy.dialects.postgresql') if m in sys.modules), 'db' in wsgi.app.cli.commands)"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}"}
    served = subprocess.run(
        [sys.executable, "-c", code], cwd=project_root, env=env, capture_output=True, text=True
    )
    assert served.returncode == 0, served.stderr
    assert served.stdout.split() == ["[]", "False"]
    assert "db" in create_app().cli.commands  # `flask --app portal db upgrade` still works


def test_passwords_are_hashed_with_scrypt_outside_the_test_suite():
    """The suite's cheap hash (tests/conftest.py) is a test setting, never the product's."""
    from portal.models.user import hash_password

    app = create_app()
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        assert hash_password("Tramonto sul Po 2026").startswith("scrypt:")
    assert hash_password("Tramonto sul Po 2026").startswith("scrypt:")  # no app: the default


def test_a_reads_only_view_that_changes_a_row_fails_instead_of_committing_it(app, factory):
    from portal.extensions import db
    from portal.models import Account
    from portal.security import reads_only

    account_id = factory.account("Acme S.r.l.", currency="EUR")

    @reads_only
    def renames() -> str:
        db.session.get(Account, account_id).name = "Renamed"
        return "done"

    with app.test_request_context("/"):
        with pytest.raises(RuntimeError, match="reads_only"):
            renames()
        db.session.rollback()
        assert db.session.get(Account, account_id).name == "Acme S.r.l."
