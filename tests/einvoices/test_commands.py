"""`flask einvoices generate` produces the files of documents issued before e-invoices, once, even
when two runs overlap; `flask rates import` writes the rates file from the ECB's CSV, checked."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from portal.domain.exchange import load_exchange_rates
from portal.einvoices.schema import schema_errors
from portal.extensions import db
from portal.models import EInvoiceFile, EInvoiceState
from tests.conftest import at_once

ECB_CSV = (
    "Date, USD, JPY, BGN, CZK, DKK, GBP, HUF, PLN, RON, SEK, CHF, \n"
    "04 December 2026, 1.1612, 180.12, 1.9558, 24.301, 7.4612, 0.8731, 385.10, 4.2311, "
    "4.9770, 11.02, 0.9381, \n"
)


def _issued_before_einvoices(app, invoicing, factory, count: int) -> list[int]:
    """Documents as they were before e-invoices: issued, without any file."""
    account = invoicing.customer(factory, "Müller GmbH", country="DE", vat_id="DE136695976")
    ids = [invoicing.first_purchase(account) for _ in range(count)]
    with app.app_context():
        db.session.execute(delete(EInvoiceFile))
        db.session.commit()
    return ids


def _files(app) -> list[tuple[int, str, bytes]]:
    with app.app_context():
        return [
            (file.invoice_id, file.state, file.content)
            for file in db.session.scalars(select(EInvoiceFile).order_by(EInvoiceFile.id))
        ]


def test_generate_produces_the_missing_files_once(app, runner, invoicing, factory):
    ids = _issued_before_einvoices(app, invoicing, factory, 3)

    first = runner.invoke(args=["einvoices", "generate", "--batch-size", "2"])
    again = runner.invoke(args=["einvoices", "generate"])

    assert first.exit_code == 0, first.output
    assert "produced 3 e-invoice files, 0 of them invalid" in first.output
    assert "produced 0 e-invoice files" in again.output
    files = _files(app)
    assert sorted(invoice_id for invoice_id, _state, _content in files) == sorted(ids)
    assert all(state == EInvoiceState.GENERATED for _id, state, _content in files)
    assert all(schema_errors(content) == [] for _id, _state, content in files)


def test_generate_names_the_invalid_documents(app, runner, invoicing, factory):
    account = invoicing.customer(factory, "Senza Codice")  # Italian, no VAT ID nor tax code
    invoicing.first_purchase(account)
    with app.app_context():
        db.session.execute(delete(EInvoiceFile))
        db.session.commit()

    result = runner.invoke(args=["einvoices", "generate"])

    assert result.exit_code == 0
    assert "INV-2026-000001" in result.output
    assert "italian_customer_id" in result.output
    assert "1 of them invalid" in result.output


def test_two_generate_runs_at_once_produce_each_file_once(app, invoicing, factory):
    ids = _issued_before_einvoices(app, invoicing, factory, 6)

    results = at_once(
        lambda: app.test_cli_runner().invoke(args=["einvoices", "generate", "--batch-size", "1"]),
        lambda: app.test_cli_runner().invoke(args=["einvoices", "generate", "--batch-size", "1"]),
    )

    assert all(result.exit_code == 0 for result in results), [r.output for r in results]
    with app.app_context():
        per_invoice = dict(
            db.session.execute(
                select(EInvoiceFile.invoice_id, func.count()).group_by(EInvoiceFile.invoice_id)
            ).all()
        )
    assert per_invoice == dict.fromkeys(ids, 1)


def test_generate_refuses_without_an_italian_seller(app, runner):
    app.config["SELLER_COUNTRY"] = "FR"

    result = runner.invoke(args=["einvoices", "generate"])

    assert result.exit_code == 1
    assert "not Italian" in result.output


@pytest.fixture
def rates_file(app, tmp_path: Path) -> Path:
    target = tmp_path / "exchange_rates.toml"
    target.write_text(Path(app.config["EXCHANGE_RATES_FILE"]).read_text())
    app.config["EXCHANGE_RATES_FILE"] = str(target)
    return target


def test_rates_import_writes_the_file_from_the_ecb_csv(runner, rates_file, tmp_path):
    source = tmp_path / "eurofxref.csv"
    source.write_text(ECB_CSV)

    result = runner.invoke(args=["rates", "import", str(source)])

    assert result.exit_code == 0, result.output
    rates = load_exchange_rates(rates_file)
    assert rates.as_of.isoformat() == "2026-12-04"
    assert dict(rates.rates) == {
        "CZK": Decimal("24.301"),
        "PLN": Decimal("4.2311"),
        "USD": Decimal("1.1612"),
    }


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        (ECB_CSV.replace(" CZK,", " XYZ,"), "CZK: no rate"),
        (ECB_CSV.replace("04 December 2026", "2026-12-04"), "is not a date"),
        (ECB_CSV.replace("1.1612", "N/A"), "USD: no rate"),
        ("", "expected a header row"),
        ("\x00\x00", "expected a header row"),
    ],
)
def test_a_broken_rates_file_is_refused_and_the_old_one_kept(
    runner, rates_file, tmp_path, csv, message
):
    before = rates_file.read_text()
    source = tmp_path / "eurofxref.csv"
    source.write_text(csv)

    result = runner.invoke(args=["rates", "import", str(source)])

    assert result.exit_code == 1
    assert message in result.output
    assert rates_file.read_text() == before
