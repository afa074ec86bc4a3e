"""Command-line tools: `flask seed-demo`, `flask billing renew|reconcile`, `flask mail deliver`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal import clock
from portal.mail.cli import mail_cli
from portal.services.demo import seed_demo
from portal.services.payments import reconcile
from portal.services.renewal_run import run_renewals

billing_cli = AppGroup("billing", help="Renewals and other billing runs.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create demo companies and one user per role (development only; safe to re-run)."""
    if current_app.config["PORTAL_ENV"] not in {"development", "testing"}:
        raise click.ClickException("seed-demo only runs with PORTAL_ENV=development.")
    credentials = Path(current_app.instance_path) / "demo-credentials.json"
    handed_out = seed_demo(clock.today(), credentials)
    click.echo("Demo sign-ins (development only):")
    for user, password in handed_out:
        company = user.company or "vendor"
        click.echo(f"  {user.role.value:<14} {user.email:<40} {password}   ({company})")


@billing_cli.command("renew")
def renew_command() -> None:
    """Renew, retry, block and warn: run it from cron, hourly, on one or more machines.

    Exit status 1 when a renewal charge was declined or an account failed with an error.
    """
    today = clock.today()

    def progress(account_ids: list[int]):  # type: ignore[no-untyped-def]
        # click draws the bar on a terminal only; under cron it stays silent.
        with click.progressbar(account_ids, label=f"Renewals due {today}") as bar:
            yield from bar

    report = run_renewals(today, progress=progress)
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


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(billing_cli)
    app.cli.add_command(mail_cli)
