"""A language's glossary, kept by translators: add, change (optimistic lock), remove, import.

The terms are shown beside each entry whose source uses them and feed the "Glossary not
followed" check. `translations/glossary.toml` holds the reviewed starting terms; `flask
translations glossary-import` loads them without overwriting a translator's own changes, and
`flask translations glossary-export` writes the glossary back for the repository.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.catalogs.store import Translator, glossary_rows
from portal.domain.glossary import split_variants, term_key
from portal.extensions import db, matched_rows
from portal.models import GlossaryTerm

GLOSSARY_FILE = Path(__file__).resolve().parents[2] / "translations" / "glossary.toml"


class TermTaken(ValueError):
    """Another term of the language has the same key (the same words, another case)."""


class TermMoved(RuntimeError):
    """Someone changed or removed the term since the translator opened it."""


@dataclass(frozen=True)
class TermText:
    """What a translator types for a term."""

    term: str
    translation: str
    variants: str = ""
    note: str = ""

    def cleaned(self) -> TermText:
        """Single spaces in the term, trimmed fields, the variants listed once each."""
        return TermText(
            " ".join(self.term.split()),
            self.translation.strip(),
            ", ".join(split_variants(self.variants)),
            self.note.strip(),
        )


def add_term(language: str, text: TermText, translator: Translator) -> GlossaryTerm:
    """Add a term; TermTaken when the language already has it."""
    text = text.cleaned()
    row = GlossaryTerm(
        language=language,
        term=text.term,
        term_key=term_key(text.term),
        translation=text.translation,
        variants=text.variants,
        note=text.note,
        revision=1,
        updated_at=clock.now(),
        updated_by_id=translator.user_id,
        updated_by_name=translator.name,
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise TermTaken(text.term) from None
    return row


def change_term(
    language: str, term_id: int, revision: int, text: TermText, translator: Translator
) -> None:
    """Change a term still at `revision`; TermMoved if it moved on, TermTaken on a clash."""
    text = text.cleaned()
    statement = (
        update(GlossaryTerm)
        .where(
            GlossaryTerm.id == term_id,
            GlossaryTerm.language == language,
            GlossaryTerm.revision == revision,
        )
        .values(
            term=text.term,
            term_key=term_key(text.term),
            translation=text.translation,
            variants=text.variants,
            note=text.note,
            revision=revision + 1,
            updated_at=clock.now(),
            updated_by_id=translator.user_id,
            updated_by_name=translator.name,
        )
        .execution_options(synchronize_session=False)
    )
    try:
        moved = db.session.execute(statement)
    except IntegrityError:
        db.session.rollback()
        raise TermTaken(text.term) from None
    if matched_rows(moved) != 1:
        db.session.rollback()
        raise TermMoved(term_id)
    db.session.commit()


def remove_term(language: str, term_id: int, revision: int) -> None:
    """Remove a term still at `revision`; TermMoved if it changed or is already gone."""
    removed = db.session.execute(
        delete(GlossaryTerm)
        .where(
            GlossaryTerm.id == term_id,
            GlossaryTerm.language == language,
            GlossaryTerm.revision == revision,
        )
        .execution_options(synchronize_session=False)
    )
    if matched_rows(removed) != 1:
        db.session.rollback()
        raise TermMoved(term_id)
    db.session.commit()


def term_by_id(language: str, term_id: int) -> GlossaryTerm | None:
    """One term of the language."""
    return db.session.scalar(
        select(GlossaryTerm).where(GlossaryTerm.id == term_id, GlossaryTerm.language == language)
    )


def read_glossary_file(path: Path) -> dict[str, list[TermText]]:
    """The terms of a glossary file, per language: `[[it]]` tables of term, translation,
    variants (a list) and note."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return {
        language: [
            TermText(
                row["term"],
                row["translation"],
                ", ".join(row.get("variants", [])),
                row.get("note", ""),
            )
            for row in rows
        ]
        for language, rows in data.items()
    }


def import_glossary(path: Path, languages: list[str], *, replace: bool = False) -> dict[str, int]:
    """Add the file's terms the glossary lacks (with `replace`, overwrite those it has);
    returns how many terms each language took. The file's author is "glossary file"."""
    taken: dict[str, int] = {}
    now = clock.now()
    for language, texts in read_glossary_file(path).items():
        if language not in languages:
            continue
        existing = {row.term_key: row for row in glossary_rows(language)}
        count = 0
        for text in (text.cleaned() for text in texts):
            row = existing.get(term_key(text.term))
            if row is not None and not replace:
                continue
            if row is None:
                row = GlossaryTerm(language=language, term_key=term_key(text.term), revision=0)
                db.session.add(row)
                existing[row.term_key] = row
            row.term, row.translation = text.term, text.translation
            row.variants, row.note = text.variants, text.note
            row.revision += 1
            row.updated_at, row.updated_by_id, row.updated_by_name = now, None, "glossary file"
            count += 1
        taken[language] = count
    db.session.commit()
    return taken


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escaping is valid TOML for every character."""
    return json.dumps(text, ensure_ascii=False)


def glossary_toml(languages: list[str]) -> str:
    """The glossary of each language as the glossary file writes it."""
    lines = [
        "# The translators' glossary: one [[<language>]] table per term. Edited in the portal",
        "# (Translations → Glossary); `flask translations glossary-export` writes it here.",
    ]
    for language in languages:
        for row in glossary_rows(language):
            lines.append("")
            lines.append(f"[[{language}]]")
            lines.append(f"term = {_toml_string(row.term)}")
            lines.append(f"translation = {_toml_string(row.translation)}")
            variants = ", ".join(_toml_string(form) for form in split_variants(row.variants))
            if variants:
                lines.append(f"variants = [{variants}]")
            if row.note:
                lines.append(f"note = {_toml_string(row.note)}")
    return "\n".join(lines) + "\n"
