"""Command-line tools: `flask seed-demo`, `flask billing renew|reconcile`, `flask mail deliver`,
`flask vat recheck`."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal import clock, vies
from portal.demo import DemoError, seed_demo
from portal.einvoices.cli import einvoices_cli, rates_cli
from portal.mail.cli import mail_cli
from portal.mail.outbox import DeliveryPool, deliver_soon
from portal.payments.lifecycle import reconcile
from portal.renewal.run import BATCH_SIZE, accounts_to_visit, run_renewals

billing_cli = AppGroup("billing", help="Renewals and other billing runs.")
vat_cli = AppGroup("vat", help="The EU VAT registry (VIES) checks of customers' VAT IDs.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create demo companies and one user per role (development only; safe to re-run)."""
    if current_app.config["PORTAL_ENV"] not in {"development", "testing"}:
        raise click.ClickException("seed-demo only runs with PORTAL_ENV=development.")
    credentials = Path(current_app.instance_path) / "demo-credentials.json"
    try:
        handed_out = seed_demo(clock.today(), credentials)
    except DemoError as error:
        raise click.ClickException(str(error)) from None
    click.echo("Demo sign-ins (development only):")
    for user, password in handed_out:
        company = user.company or "vendor"
        click.echo(f"  {user.role.value:<14} {user.email:<40} {password}   ({company})")


@billing_cli.command("renew")
@click.option(
    "--no-mail",
    is_flag=True,
    help="Leave the e-mails queued for `flask mail deliver` instead of sending them now.",
)
@click.option(
    "--mail-workers",
    type=click.IntRange(min=0),
    default=None,
    help="Processes that draw the PDFs and send the e-mails while the run goes on "
    "(default: one per CPU; 0 sends them from the run's own process).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=BATCH_SIZE,
    show_default=True,
    help="Accounts claimed and renewed per transaction.",
)
def renew_command(no_mail: bool, mail_workers: int | None, batch_size: int) -> None:
    """Renew, retry, block and warn: run it from cron, hourly, on one or more machines.

    Exit status 1 when a renewal charge was declined or an account failed with an error.
    """
    today = clock.today()
    workers = (os.cpu_count() or 1) if mail_workers is None else mail_workers
    pool = (
        # current_app is a LocalProxy that Flask types as the app itself, hence the ignore.
        DeliveryPool(current_app._get_current_object(), workers)  # type: ignore[attr-defined]
        if workers and not no_mail
        else None
    )
    send_mail = (lambda _ids: None) if no_mail else pool.send if pool else deliver_soon
    try:
        # click draws the bar on a terminal only; under cron it stays silent.
        with click.progressbar(
            length=len(accounts_to_visit(today)), label=f"Renewals due {today}"
        ) as bar:
            report = run_renewals(
                today, progress=bar.update, send_mail=send_mail, batch_size=batch_size
            )
    finally:
        if pool is not None:
            pool.finish()
    click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)


@billing_cli.command("reconcile")
def reconcile_command() -> None:
    """Finish payments left in flight by asking the gateway: run it from cron every few minutes.

    Exit status 1 when a payment could not be finished (the gateway did not answer).
    """
    report = reconcile()
    click.echo(report.summary())
    if report.still_in_flight:
        raise SystemExit(1)


@vat_cli.command("recheck")
@click.option(
    "--days",
    type=click.FloatRange(min=0),
    default=None,
    help="Ask again about definite answers older than this many days "
    "(default: VIES_RECHECK_DAYS, 30).",
)
def vat_recheck_command(days: float | None) -> None:
    """Ask the EU VAT registry again about every VAT ID it has not answered for, and about
    answers older than --days: run it from cron, hourly. A VAT ID now confirmed gets
    reverse charge on the invoices issued from then on; issued ones never change.

    Exit status 1 when some VAT IDs are still without an answer.
    """
    if not vies.enabled():
        raise click.ClickException("The VIES check is off (VIES_ENABLED): nothing to check.")
    after = vies.recheck_after() if days is None else timedelta(days=days)
    report = vies.run_recheck(recheck_after=after)
    for account_id, vat_id, verdict in report.changed:
        click.echo(f"account {account_id}: {vat_id} {verdict}")
    click.echo(report.summary())
    if report.unknown:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(billing_cli)
    app.cli.add_command(vat_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(einvoices_cli)
    app.cli.add_command(rates_cli)
