"""Command-line tools: `flask seed-demo`, `flask mail deliver`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal import clock
from portal.mail.cli import mail_cli
from portal.services.demo import seed_demo


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


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(mail_cli)
