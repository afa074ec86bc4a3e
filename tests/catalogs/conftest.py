"""Fixtures of the translators' editor: a copy of the catalogs and a signed-in translator."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from portal.catalogs.store import entry_key
from portal.models import Role

REPO_TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
TRANSLATOR = "tina@vendor.example.com"

# Entries the repository's catalogs have no example of: a context, {name} and %d placeholders.
EXTRA_ENTRIES = [
    {"id": "Open", "context": "example status", "it": "Aperta", "fr": "Ouverte"},
    {"id": "Hello {name}, welcome back", "it": "Ciao {name}, bentornato", "fr": "Bonjour {name}"},
    {"id": "%d days", "it": "%d giorni", "fr": "%d jours"},
    {"id": "Read the <strong>terms</strong>", "it": "Leggi i <strong>termini</strong>", "fr": ""},
]


def key_of(msgid: str, context: str | None = None) -> str:
    """The editor's key of an entry."""
    return entry_key(context, msgid)


def copy_catalogs(target: Path, *, extra: bool = True) -> Path:
    """The repository's it and fr catalogs (plus the extra entries), compiled, under `target`."""
    for language in ("it", "fr"):
        folder = target / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        source = REPO_TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        if not extra:
            shutil.copy(source, folder / "messages.po")
        else:
            with source.open("rb") as handle:
                catalog: Catalog = read_po(handle, locale=language)
            for item in EXTRA_ENTRIES:
                catalog.add(
                    item["id"],
                    item[language],
                    locations=[("portal/example.py", 1)],
                    context=item.get("context"),
                    auto_comments=["Translators: an example entry"],
                )
            with (folder / "messages.po").open("wb") as handle:
                write_po(handle, catalog, width=76)
        with (folder / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=language)
        with (folder / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    return target


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A private copy of the catalogs, so saving and exporting never touch the repository."""
    return copy_catalogs(tmp_path / "translations")


@pytest.fixture
def app_config(catalog_dir: Path) -> dict[str, object]:
    """Serve the private catalogs."""
    return {"BABEL_TRANSLATION_DIRECTORIES": str(catalog_dir)}


@pytest.fixture
def translator(factory, auth) -> int:
    """A translator, signed in."""
    user_id = factory.user(TRANSLATOR, Role.TRANSLATOR, name="Tina Translator")
    auth.login(TRANSLATOR)
    return user_id
