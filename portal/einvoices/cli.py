"""`flask einvoices send` and `flask einvoices receipts`: the transmission runs, for cron."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.einvoices.sending import apply_receipts, send_generated
from portal.einvoices.transmission import Transmitter, UnknownTransmitter, transmitter_for

einvoices_cli = AppGroup("einvoices", help="E-invoices and the exchange system (SdI).")


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
