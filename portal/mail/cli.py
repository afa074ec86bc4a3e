"""`flask mail deliver`: send the queued e-mails that are due (meant for cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.mail.outbox import deliver_pending

mail_cli = AppGroup("mail", help="Outgoing e-mail.")


@mail_cli.command("deliver")
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most messages to send in this run.",
)
def deliver_command(limit: int) -> None:
    """Send the due e-mails; exit status 1 when one was given up on in this run."""
    report = deliver_pending(limit)
    click.echo(f"sent {report.sent}, retried {report.retried}, failed {report.failed}")
    if report.failed:
        raise SystemExit(1)
