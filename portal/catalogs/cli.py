"""`flask translations export`: the saved edits into the repository's .po files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.catalogs.store import EDITABLE_LANGUAGES, export_to_files

translations_cli = AppGroup("translations", help="The translators' catalogs.")


@translations_cli.command("export")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of <lang>/LC_MESSAGES/messages.po (default: the catalogs the app serves).",
)
@click.argument("languages", nargs=-1)
def export_command(directory: Path | None, languages: tuple[str, ...]) -> None:
    """Write the edits saved in the portal into the .po files, in pybabel's layout."""
    unknown = sorted(set(languages) - set(EDITABLE_LANGUAGES))
    if unknown:
        raise click.BadParameter(f"not an editable language: {', '.join(unknown)}")
    folder = directory or Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
    written = export_to_files(folder, languages or EDITABLE_LANGUAGES)
    for language, count in written.items():
        click.echo(f"{language}: {count} new edits written to {folder / language}")
