"""`flask translations export` (the saved edits into the repository's .po files) and the
glossary's import and export."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.catalogs.glossary import (
    GLOSSARY_FILE,
    GlossaryFileError,
    glossary_toml,
    import_glossary,
)
from portal.catalogs.store import EDITABLE_LANGUAGES, ExportRefused, export_to_files

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
    try:
        written = export_to_files(folder, languages or EDITABLE_LANGUAGES)
    except ExportRefused as refused:
        raise click.ClickException(
            f"nothing exported: the {refused.language} catalog would not compile "
            f"(fix the entries with errors first):\n{refused.reason.strip()}"
        ) from None
    for language, count in written.items():
        click.echo(f"{language}: {count} new edits written to {folder / language}")


@translations_cli.command("glossary-import")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=GLOSSARY_FILE,
    show_default=True,
    help="A glossary file: [[<language>]] tables of term, translation, variants, note.",
)
@click.option("--replace", is_flag=True, help="Overwrite terms the portal already has.")
def glossary_import_command(path: Path, replace: bool) -> None:
    """Add the file's glossary terms the portal lacks (translators' changes are kept)."""
    try:
        taken = import_glossary(path, list(EDITABLE_LANGUAGES), replace=replace)
    except GlossaryFileError as error:
        raise click.ClickException(f"not a glossary file, nothing imported: {error}") from None
    for language, count in taken.items():
        click.echo(f"{language}: {count} glossary terms imported")


@translations_cli.command("glossary-export")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=GLOSSARY_FILE,
    show_default=True,
)
def glossary_export_command(path: Path) -> None:
    """Write the portal's glossary into the glossary file, for the repository."""
    path.write_text(glossary_toml(list(EDITABLE_LANGUAGES)), encoding="utf-8")
    click.echo(f"glossary written to {path}")
