"""The e-invoice commands: `flask einvoices generate` (files for documents issued before
e-invoices), `send` and `receipts` (the transmission runs, for cron), and `flask rates import`
(the euro reference rates e-invoices state foreign currencies at)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.accounts import lock_account
from portal.domain.exchange import (
    ExchangeRatesError,
    load_exchange_rates,
    parse_ecb_csv,
    rates_toml,
)
from portal.einvoices.produce import fatturapa_enabled, produce_einvoice
from portal.einvoices.sending import apply_receipts, send_generated
from portal.einvoices.transmission import Transmitter, UnknownTransmitter, transmitter_for
from portal.extensions import db
from portal.models import EInvoiceFile, EInvoiceState, Invoice

einvoices_cli = AppGroup("einvoices", help="E-invoices and the exchange system (SdI).")
rates_cli = AppGroup("rates", help="Euro reference rates for e-invoices.")


@einvoices_cli.command("generate")
@click.option(
    "--batch-size",
    default=100,
    show_default=True,
    type=click.IntRange(min=1, max=10_000),
    help="Documents looked up per query.",
)
def generate_command(batch_size: int) -> None:
    """Produce the FatturaPA file of every issued document that has none yet, oldest first.

    Each document commits on its own; a run stopped half-way, or two at once, go on where the
    files are missing (a document that got a file meanwhile is skipped).
    """
    if not fatturapa_enabled():
        raise click.ClickException("the seller is not Italian (SELLER_COUNTRY): no FatturaPA files")
    produced = invalid = 0
    last_id = 0
    while True:
        ids = db.session.scalars(
            select(Invoice.id)
            .where(
                Invoice.id > last_id,
                ~select(EInvoiceFile.id).where(EInvoiceFile.invoice_id == Invoice.id).exists(),
            )
            .order_by(Invoice.id)
            .limit(batch_size)
        ).all()
        if not ids:
            break
        last_id = ids[-1]
        for invoice_id in ids:
            # One document per transaction, under its account's lock (issuing takes the
            # same lock): two runs, or a run beside a payment, produce a file once.
            account_id = db.session.scalar(
                select(Invoice.account_id).where(Invoice.id == invoice_id)
            )
            assert account_id is not None
            lock_account(account_id)
            invoice = db.session.get(Invoice, invoice_id)
            assert invoice is not None
            if db.session.scalar(
                select(EInvoiceFile.id).where(EInvoiceFile.invoice_id == invoice_id).limit(1)
            ):
                db.session.rollback()
                continue  # another run produced it meanwhile
            file = produce_einvoice(invoice)
            produced += 1
            if file.state == EInvoiceState.INVALID:
                invalid += 1
                click.echo(f"{invoice.number}: {file.file_name} is invalid: {file.problems}")
            db.session.commit()
    click.echo(f"produced {produced} e-invoice files, {invalid} of them invalid")


@rates_cli.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(source: Path) -> None:
    """Write the rates file from the ECB's daily reference-rate CSV (eurofxref.csv)."""
    try:
        rates = parse_ecb_csv(source.read_text(encoding="utf-8-sig"), file=str(source))
    except (ExchangeRatesError, UnicodeDecodeError) as error:
        raise click.ClickException(str(error)) from None
    target = Path(current_app.config["EXCHANGE_RATES_FILE"])
    text = rates_toml(rates, source=f"ECB reference rates of {rates.as_of.isoformat()}")
    temporary = target.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    load_exchange_rates(temporary)  # what the portal will read back at start-up
    temporary.replace(target)
    listed = ", ".join(f"{code} {rate}" for code, rate in rates.rates.items())
    click.echo(f"rates of {rates.as_of.isoformat()} written to {target.name}: {listed}")
    click.echo("restart the portal to use them")


def _transmitter() -> Transmitter:
    """The configured transmitter, or a usage error naming the setting."""
    try:
        return transmitter_for(current_app.config)
    except UnknownTransmitter as error:
        raise click.ClickException(str(error)) from None


@einvoices_cli.command("send")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Most files to send in this run (default: every generated file).",
)
def send_command(limit: int | None) -> None:
    """Send every generated e-invoice file, each once (safe to run on several machines).

    Exit status 1 when a file could not be handed over (it is tried again next run).
    """
    report = send_generated(_transmitter(), limit=limit)
    for name, reason in report.failed:
        click.echo(f"not sent: {name}: {reason}", err=True)
    click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)


@einvoices_cli.command("receipts")
def receipts_command() -> None:
    """Apply the exchange system's receipts (delivered, not deliverable, rejected) once each.

    Exit status 1 when a receipt was refused (set aside in the inbox's failed folder).
    """
    report = apply_receipts(_transmitter())
    for name, reason in report.refused:
        click.echo(f"refused: {name}: {reason}", err=True)
    click.echo(report.summary())
    if report.refused:
        raise SystemExit(1)
