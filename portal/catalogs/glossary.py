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
from portal.domain.glossary import joined_variants, split_variants, term_key, term_problems
from portal.extensions import db, matched_rows
from portal.models import GlossaryTerm

GLOSSARY_FILE = Path(__file__).resolve().parents[2] / "translations" / "glossary.toml"


class GlossaryFileError(ValueError):
    """A glossary file that cannot be imported as it is; nothing was imported."""


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
            joined_variants(self.variants),
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
    variants (a list) and note, each checked as the glossary form checks a term.

    GlossaryFileError names the first table that is not a valid term.
    """
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise GlossaryFileError(f"{path}: {error}") from None
    terms: dict[str, list[TermText]] = {}
    for language, rows in data.items():
        if not isinstance(rows, list):
            raise GlossaryFileError(f"{path}: [{language}] is not a list of [[{language}]] terms")
        terms[language] = [_file_term(path, language, index, row) for index, row in enumerate(rows)]
    return terms


def _file_term(path: Path, language: str, index: int, row: object) -> TermText:
    """One [[language]] table as a term, or GlossaryFileError naming what is wrong."""
    where = f"{path}: [[{language}]] number {index + 1}"
    if not isinstance(row, dict):
        raise GlossaryFileError(f"{where} is not a table")
    fields = {
        "term": row.get("term", ""),
        "translation": row.get("translation", ""),
        "variants": row.get("variants", []),
        "note": row.get("note", ""),
    }
    texts = [fields["term"], fields["translation"], fields["note"]]
    if not all(isinstance(text, str) for text in texts) or not (
        isinstance(fields["variants"], list)
        and all(isinstance(form, str) for form in fields["variants"])
    ):
        raise GlossaryFileError(f"{where}: term, translation and note are text, variants a list")
    text = TermText(
        fields["term"], fields["translation"], ", ".join(fields["variants"]), fields["note"]
    )
    problems = term_problems(text.term, text.translation, text.variants, text.note)
    if problems:
        raise GlossaryFileError(f"{where} ({text.term!r}): {', '.join(problems)}")
    return text


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
    try:
        db.session.commit()
    except IntegrityError:
        # A translator added one of these terms in the portal meanwhile.
        db.session.rollback()
        raise GlossaryFileError("a term was added in the portal meanwhile: import again") from None
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
