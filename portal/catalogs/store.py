"""The translators' catalogs: the .po files merged with the saved edits, saving, exporting."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.catalogs.gate import compile_problems
from portal.config import TRANSLATED_LANGUAGES
from portal.domain import translation_review as review
from portal.domain.glossary import Term, split_variants, terms_in
from portal.domain.translation_checks import (
    Problem,
    ProblemCode,
    SourceEntry,
    check_translation,
    errors_of,
    max_length_of,
    warnings_of,
)
from portal.domain.translation_progress import CatalogProgress
from portal.domain.translation_review import Shown, complete
from portal.extensions import db, insert_on_conflict, matched_rows
from portal.models import (
    CatalogVersion,
    GlossaryTerm,
    TranslationChange,
    TranslationEdit,
    User,
)

EDITABLE_LANGUAGES = TRANSLATED_LANGUAGES
PAGE_SIZE = 20
PO_WIDTH = 76  # pybabel's own line width, so an export diffs only by the edits
HISTORY_SHOWN = 10


class EntryStatus(StrEnum):
    """Where an entry stands."""

    TRANSLATED = "translated"
    FUZZY = "fuzzy"
    UNTRANSLATED = "untranslated"
    OBSOLETE = "obsolete"


class EntryFilter(StrEnum):
    """The editor's filters."""

    ALL = "all"
    UNTRANSLATED = "untranslated"
    FUZZY = "fuzzy"
    ERRORS = "errors"
    WARNINGS = "warnings"
    CHANGED = "changed"
    OBSOLETE = "obsolete"


def entry_key(context: str | None, msgid: str) -> str:
    """A stable id of an entry (context and msgid), short enough for URLs and indexes."""
    raw = msgid if context is None else f"{context}\x04{msgid}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


@dataclass
class CatalogEntry:
    """One entry as the editor shows it: the file's entry with the saved edit laid over it."""

    key: str
    context: str | None
    msgid: str
    msgid_plural: str | None
    strings: list[str]
    fuzzy: bool
    revision: int
    obsolete: bool = False
    locations: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    # The file's python-format flag: None for an obsolete edit (read off its source then).
    python_format: bool | None = None
    previous_msgid: str | None = None
    edit: TranslationEdit | None = None
    # An edit made to this entry before the file changed its plural: kept, shown, not served.
    stale_edit: TranslationEdit | None = None
    problems: list[Problem] = field(default_factory=list)
    # The file's own translation and state, under any edit: what customers see when no edit
    # was ever reviewed.
    file_strings: list[str] = field(default_factory=list)
    file_fuzzy: bool = False

    @property
    def source(self) -> SourceEntry:
        """The English text the checks compare against, how it is formatted, its room."""
        return SourceEntry(
            self.msgid,
            self.msgid_plural,
            python_format=self.python_format,
            max_length=max_length_of(self.comments, self.flags),
        )

    @property
    def errors(self) -> list[Problem]:
        """The problems that would refuse this translation."""
        return errors_of(self.problems)

    @property
    def warnings(self) -> list[Problem]:
        """The problems a translator confirmed, or would be asked to."""
        return warnings_of(self.problems)

    @property
    def status(self) -> EntryStatus:
        """Translated, fuzzy, untranslated or obsolete."""
        if self.obsolete:
            return EntryStatus.OBSOLETE
        if self.fuzzy:
            return EntryStatus.FUZZY
        return EntryStatus.TRANSLATED if all(self.strings) else EntryStatus.UNTRANSLATED

    @property
    def changed_since_export(self) -> bool:
        """Saved in the editor after the last export."""
        return self.edit is not None and self.edit.changed_since_export

    @property
    def file_reviewed(self) -> list[str] | None:
        """The catalog file's own translation when it is reviewed (not fuzzy, complete)."""
        return list(self.file_strings) if not self.file_fuzzy else None

    @property
    def customers_see(self) -> list[str]:
        """What the portal shows customers for this entry now (empty: the English source)."""
        if self.obsolete:
            return []
        if self.edit is not None:
            seen = review.customers_see(self.strings, self.fuzzy, self.edit.reviewed_strings)
            if seen.shown is not Shown.FILE:
                return list(seen.strings)
        reviewed = self.file_reviewed
        return reviewed if reviewed is not None and complete(reviewed) else []


@dataclass
class CatalogView:
    """A language's entries and its plural rule."""

    language: str
    plural_expr: str
    plural_count: int
    entries: list[CatalogEntry]
    glossary: tuple[Term, ...] = ()

    def terms_of(self, entry: CatalogEntry) -> list[Term]:
        """The glossary terms the entry's source (singular or plural) uses."""
        source = entry.msgid if not entry.msgid_plural else f"{entry.msgid}\n{entry.msgid_plural}"
        return terms_in(source, self.glossary)

    def elsewhere(self, entry: CatalogEntry) -> tuple[tuple[str, ...], ...]:
        """The translations of the same source in the catalog's other entries (contexts)."""
        return tuple(
            tuple(other.strings)
            for other in self.entries
            if other.msgid == entry.msgid
            and other.msgid_plural == entry.msgid_plural
            and other.key != entry.key
            and not other.obsolete
        )

    def check(self, entry: CatalogEntry, strings: list[str]) -> list[Problem]:
        """Every error and warning of `strings` as the translation of `entry`."""
        return check_translation(
            entry.source,
            strings,
            self.plural_count,
            language=self.language,
            plural_expr=self.plural_expr,
            elsewhere=self.elsewhere(entry),
            glossary=self.glossary,
        )

    def by_key(self, key: str) -> CatalogEntry | None:
        """The entry with this key, obsolete ones included."""
        return next((entry for entry in self.entries if entry.key == key), None)

    def progress(self) -> CatalogProgress:
        """Counts of the live entries."""
        live = [entry for entry in self.entries if not entry.obsolete]
        return CatalogProgress(
            language=self.language,
            total=len(live),
            translated=sum(entry.status is EntryStatus.TRANSLATED for entry in live),
            fuzzy=sum(entry.status is EntryStatus.FUZZY for entry in live),
        )


@dataclass(frozen=True)
class EntryPage:
    """One page of the filtered, searched list."""

    entries: list[CatalogEntry]
    page: int
    pages: int
    total: int


class TranslationRefused(ValueError):
    """The checks found problems; nothing was saved."""

    def __init__(self, problems: list[Problem]) -> None:
        """Keep the problems for the message."""
        super().__init__(problems)
        self.problems = problems


class NeedsConfirmation(ValueError):
    """Only warnings: saved once the translator says "Save anyway"; nothing was saved."""

    def __init__(self, warnings: list[Problem]) -> None:
        """Keep the warnings to show."""
        super().__init__(warnings)
        self.warnings = warnings


class EditConflict(RuntimeError):
    """Someone saved the entry since the translator opened it; nothing was saved."""

    def __init__(self, current: TranslationEdit) -> None:
        """Keep the version that won, to show beside the translator's own."""
        super().__init__(current.revision)
        self.current = current


_po_cache: dict[Path, tuple[tuple[int, int], Catalog]] = {}
_po_lock = threading.Lock()


def po_path(directory: Path, language: str) -> Path:
    """Where a language's catalog file lives, in pybabel's layout."""
    return directory / language / "LC_MESSAGES" / "messages.po"


def read_catalog_file(directory: Path, language: str) -> Catalog:
    """The parsed .po file, read again only when the file changes."""
    path = po_path(directory, language)
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _po_lock:
        cached = _po_cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    with _po_lock:
        _po_cache[path] = (stamp, catalog)
    return catalog


def _strings_of(message: Message) -> list[str]:
    """A message's translation as a list of forms."""
    if isinstance(message.string, tuple | list):
        return [text or "" for text in message.string]
    return [message.string or ""]


def _edit_fits(edit: TranslationEdit, msgid_plural: str | None) -> bool:
    """The edit was made for this very source (same plural text)."""
    return (edit.msgid_plural or None) == (msgid_plural or None)


def _entry_from_message(
    message: Message, plural_count: int, edit: TranslationEdit | None
) -> CatalogEntry:
    """An editor entry from a file entry and its saved edit, if any."""
    msgid, msgid_plural = (
        (message.id, None) if isinstance(message.id, str) else (message.id[0], message.id[1])
    )
    strings = _strings_of(message)
    if msgid_plural and len(strings) != plural_count:
        strings = (strings + [""] * plural_count)[:plural_count]
    entry = CatalogEntry(
        key=entry_key(message.context, msgid),
        context=message.context,
        msgid=msgid,
        msgid_plural=msgid_plural,
        strings=strings,
        fuzzy=message.fuzzy,
        revision=edit.revision if edit is not None else 0,
        locations=[f"{path}:{line}" if line else path for path, line in message.locations],
        comments=[*message.auto_comments, *message.user_comments],
        flags=sorted(flag for flag in message.flags if flag != "fuzzy"),
        python_format="python-format" in message.flags,
        previous_msgid=message.previous_id[0] if message.previous_id else None,
        file_strings=list(strings),
        file_fuzzy=message.fuzzy,
    )
    if edit is not None:
        if _edit_fits(edit, msgid_plural):
            entry.strings, entry.fuzzy, entry.edit = list(edit.strings), edit.fuzzy, edit
        else:
            entry.stale_edit, entry.fuzzy = edit, True
    return entry


def _obsolete_entry(edit: TranslationEdit) -> CatalogEntry:
    """An edit whose source string is gone from the file: shown, never served, never lost."""
    return CatalogEntry(
        key=edit.entry_key,
        context=edit.context,
        msgid=edit.msgid,
        msgid_plural=edit.msgid_plural,
        strings=list(edit.strings),
        fuzzy=edit.fuzzy,
        revision=edit.revision,
        obsolete=True,
        edit=edit,
    )


def catalog_view(directory: Path, language: str) -> CatalogView:
    """Every entry of the language's file with its saved edit, then the obsolete edits."""
    catalog = read_catalog_file(directory, language)
    edits = {
        edit.entry_key: edit
        for edit in db.session.scalars(
            select(TranslationEdit).where(TranslationEdit.language == language)
        )
    }
    entries = []
    for message in catalog:
        if not message.id:
            continue  # the header
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        key = entry_key(message.context, msgid)
        entries.append(_entry_from_message(message, catalog.num_plurals, edits.pop(key, None)))
    view = CatalogView(
        language, catalog.plural_expr, catalog.num_plurals, entries, glossary_of(language)
    )
    for entry in entries:
        entry.problems = view.check(entry, entry.strings)
    entries.extend(_obsolete_entry(edit) for edit in edits.values())
    return view


def term_of(row: GlossaryTerm) -> Term:
    """A stored glossary row as the checks read it."""
    return Term(row.term, row.translation, split_variants(row.variants), row.note)


def glossary_rows(language: str) -> list[GlossaryTerm]:
    """The language's glossary, alphabetically."""
    return list(
        db.session.scalars(
            select(GlossaryTerm)
            .where(GlossaryTerm.language == language)
            .order_by(GlossaryTerm.term_key)
        )
    )


def glossary_of(language: str) -> tuple[Term, ...]:
    """The language's glossary terms, for the checks and beside the entries."""
    return tuple(term_of(row) for row in glossary_rows(language))


def _matches(entry: CatalogEntry, needle: str) -> bool:
    """The search text appears in the source, a translation, the context or a location."""
    haystacks = [entry.msgid, entry.msgid_plural or "", entry.context or "", *entry.strings]
    haystacks.extend(entry.locations)
    return any(needle in text.casefold() for text in haystacks)


FILTERS = {
    EntryFilter.ALL: lambda entry: not entry.obsolete,
    EntryFilter.UNTRANSLATED: lambda entry: entry.status is EntryStatus.UNTRANSLATED,
    EntryFilter.FUZZY: lambda entry: entry.status is EntryStatus.FUZZY,
    EntryFilter.ERRORS: lambda entry: bool(entry.errors) and not entry.obsolete,
    EntryFilter.WARNINGS: lambda entry: bool(entry.warnings) and not entry.obsolete,
    EntryFilter.CHANGED: lambda entry: entry.changed_since_export,
    EntryFilter.OBSOLETE: lambda entry: entry.obsolete or entry.stale_edit is not None,
}


def _passes(entry: CatalogEntry, chosen: EntryFilter | ProblemCode) -> bool:
    """The entry is in the filter: one of the editor's, or "found by this check"."""
    if isinstance(chosen, EntryFilter):
        return FILTERS[chosen](entry)
    return not entry.obsolete and any(problem.code is chosen for problem in entry.problems)


def find_entries(
    view: CatalogView, chosen: EntryFilter | ProblemCode, query: str, page: int
) -> EntryPage:
    """The entries passing the filter (or the check) and the search, one page of them."""
    needle = query.casefold().strip()
    found = [
        entry
        for entry in view.entries
        if _passes(entry, chosen) and (not needle or _matches(entry, needle))
    ]
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    return EntryPage(found[start : start + PAGE_SIZE], page, pages, len(found))


def history_of(edit_ids: Iterable[int]) -> dict[int, list[TranslationChange]]:
    """The latest changes of each edit, newest first, in one query."""
    ids = list(edit_ids)
    history: dict[int, list[TranslationChange]] = {edit_id: [] for edit_id in ids}
    if not ids:
        return history
    changes = db.session.scalars(
        select(TranslationChange)
        .where(TranslationChange.edit_id.in_(ids))
        .order_by(TranslationChange.edit_id, TranslationChange.revision.desc())
    )
    for change in changes:
        if len(history[change.edit_id]) < HISTORY_SHOWN:
            history[change.edit_id].append(change)
    return history


def _raise_version(language: str) -> None:
    """Count a change of the language, in the saving transaction, for every process to see."""
    statement = insert_on_conflict(CatalogVersion).values(language=language, version=1)
    statement = statement.on_conflict_do_update(
        index_elements=[CatalogVersion.language],
        set_={"version": CatalogVersion.version + 1},
    )
    db.session.execute(statement)


class UnknownRevision(ValueError):
    """The form names a revision the entry never had (a forged or broken form)."""


@dataclass(frozen=True)
class Translator:
    """Who saves: their id and the name the history keeps."""

    user_id: int
    name: str


@dataclass(frozen=True)
class Submission:
    """A translator's save: the forms, the fuzzy switch, who, when, on which revision."""

    strings: list[str]
    fuzzy: bool
    expected_revision: int
    translator: Translator
    at: datetime


def save_translation(
    directory: Path,
    language: str,
    key: str,
    strings: list[str],
    *,
    fuzzy: bool,
    expected_revision: int,
    translator: Translator,
    confirmed: bool = False,
) -> CatalogEntry:
    """Check and save an entry's translation, unless someone saved it since `expected_revision`.

    Raises LookupError for an unknown or obsolete entry, TranslationRefused when a check
    finds an error, EditConflict when the entry moved on, UnknownRevision for a revision it
    never had, NeedsConfirmation for warnings the translator has not `confirmed`; returns
    the entry as saved.
    """
    view = catalog_view(directory, language)
    entry = view.by_key(key)
    if entry is None or entry.obsolete:
        raise LookupError(key)
    problems = view.check(entry, strings)
    if errors_of(problems):
        raise TranslationRefused(errors_of(problems))
    current = entry.edit or entry.stale_edit
    if current is None and expected_revision != 0:
        raise UnknownRevision(expected_revision)
    if current is not None and current.revision != expected_revision:
        raise EditConflict(current)
    if entry.edit is not None and entry.strings == strings and entry.fuzzy == fuzzy:
        return entry  # nothing changed: no new revision
    if warnings_of(problems) and not confirmed:
        raise NeedsConfirmation(warnings_of(problems))
    submission = Submission(strings, fuzzy, expected_revision, translator, clock.now())
    if current is None:
        edit = _create_first_edit(language, key, entry, submission)
    else:
        edit = _advance_edit(language, key, current, entry, submission)
    _record_change(edit, entry, submission)
    _raise_version(language)
    db.session.commit()
    db.session.expire_all()
    saved = catalog_view(directory, language).by_key(key)
    assert saved is not None
    return saved


def _reviewed_after(entry: CatalogEntry, submission: Submission) -> list[str] | None:
    """The reviewed translation once the submission is saved, kept for customers while a
    fuzzy one waits (portal.domain.translation_review)."""
    previous = entry.edit.reviewed_strings if entry.edit is not None else None
    return review.reviewed_after(
        submission.strings, submission.fuzzy, previous, entry.file_reviewed
    )


def _create_first_edit(
    language: str, key: str, entry: CatalogEntry, submission: Submission
) -> TranslationEdit:
    """Insert the entry's first edit; the unique key turns a simultaneous one into a conflict."""
    edit = TranslationEdit(
        language=language,
        entry_key=key,
        context=entry.context,
        msgid=entry.msgid,
        msgid_plural=entry.msgid_plural,
        strings=submission.strings,
        fuzzy=submission.fuzzy,
        reviewed_strings=_reviewed_after(entry, submission),
        revision=1,
        exported_revision=0,
        updated_at=submission.at,
        updated_by_id=submission.translator.user_id,
        updated_by_name=submission.translator.name,
    )
    db.session.add(edit)
    try:
        db.session.flush()
    except IntegrityError:
        # Another translator created the entry's first edit at the same moment.
        db.session.rollback()
        raise EditConflict(_current_edit(language, key)) from None
    return edit


def _advance_edit(
    language: str,
    key: str,
    current: TranslationEdit,
    entry: CatalogEntry,
    submission: Submission,
) -> TranslationEdit:
    """Update the edit only if it is still at the expected revision (the optimistic lock)."""
    moved = db.session.execute(
        update(TranslationEdit)
        .where(
            TranslationEdit.id == current.id,
            TranslationEdit.revision == submission.expected_revision,
        )
        .values(
            strings=submission.strings,
            fuzzy=submission.fuzzy,
            reviewed_strings=_reviewed_after(entry, submission),
            msgid_plural=entry.msgid_plural,
            revision=submission.expected_revision + 1,
            updated_at=submission.at,
            updated_by_id=submission.translator.user_id,
            updated_by_name=submission.translator.name,
        )
        .execution_options(synchronize_session=False)
    )
    if matched_rows(moved) != 1:
        db.session.rollback()
        raise EditConflict(_current_edit(language, key))
    return current


def _record_change(edit: TranslationEdit, entry: CatalogEntry, submission: Submission) -> None:
    """Add the history line: who, when, before and after."""
    db.session.add(
        TranslationChange(
            edit_id=edit.id,
            revision=submission.expected_revision + 1,
            user_id=submission.translator.user_id,
            user_name=submission.translator.name,
            changed_at=submission.at,
            strings_before=list(entry.strings),
            strings_after=submission.strings,
            fuzzy_before=entry.fuzzy,
            fuzzy_after=submission.fuzzy,
        )
    )


def _current_edit(language: str, key: str) -> TranslationEdit:
    """The edit as it stands in the database now."""
    db.session.expire_all()
    edit = db.session.scalar(
        select(TranslationEdit).where(
            TranslationEdit.language == language, TranslationEdit.entry_key == key
        )
    )
    assert edit is not None
    return edit


def _set_translation(message: Message, strings: list[str], *, fuzzy: bool) -> None:
    """Write `strings` into a catalog message, with or without the fuzzy flag."""
    message.string = tuple(strings) if message.pluralizable else strings[0]
    if fuzzy:
        message.flags.add("fuzzy")
    else:
        message.flags.discard("fuzzy")


def _write_edit(message: Message, edit: TranslationEdit) -> bool:
    """Lay an edit over its file message as the repository should keep it; True when the
    edit's own text went in (it then counts as exported).

    A reviewed edit goes in as it is. One that needs review while customers see a reviewed
    translation leaves that translation in the file, not fuzzy (`pybabel compile` drops
    fuzzy entries, and the compiled files are what customers get without the live layer);
    its proposal stays in the editor, still "changed since the last export". With nothing
    reviewed to keep, the proposal goes in as fuzzy.
    """
    seen = review.customers_see(edit.strings, edit.fuzzy, edit.reviewed_strings)
    if edit.fuzzy and seen.shown is Shown.TEXT:
        _set_translation(message, list(seen.strings), fuzzy=False)
        return False
    file_reviewed = not message.fuzzy and complete(_strings_of(message))
    if edit.fuzzy and seen.shown is Shown.FILE and file_reviewed:
        return False
    _set_translation(message, list(edit.strings), fuzzy=edit.fuzzy)
    return True


def merged_catalog(directory: Path, language: str) -> tuple[Catalog, list[TranslationEdit]]:
    """The language's file with the saved edits laid over it (see `_write_edit`); edits of
    vanished strings as `#~`. Returns the catalog and the edits whose text it took."""
    with po_path(directory, language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    edits = list(
        db.session.scalars(
            select(TranslationEdit)
            .where(TranslationEdit.language == language)
            .order_by(TranslationEdit.id)
        )
    )
    written: list[TranslationEdit] = []
    for edit in edits:
        message = catalog.get(edit.msgid, context=edit.context)
        if message is not None and _edit_fits(
            edit, message.id[1] if message.pluralizable else None
        ):
            if _write_edit(message, edit):
                written.append(edit)
        elif message is None:
            msgid = (edit.msgid, edit.msgid_plural) if edit.msgid_plural else edit.msgid
            string = tuple(edit.strings) if edit.msgid_plural else edit.strings[0]
            flags = ["fuzzy"] if edit.fuzzy else []
            obsolete = Message(msgid, string, flags=flags, context=edit.context)
            catalog.obsolete[catalog._key_for(msgid, edit.context)] = obsolete
            written.append(edit)
    return catalog, written


class ExportRefused(ValueError):
    """The merged catalog would not compile (`msgfmt -c`): nothing was exported."""

    def __init__(self, language: str, reason: str) -> None:
        """Keep what the compiler said."""
        super().__init__(f"{language}: {reason}")
        self.language = language
        self.reason = reason


def _last_translator(edits: list[TranslationEdit]) -> str | None:
    """Who saved the latest edit, as `Name <e-mail>` (the name alone once the user is gone)."""
    if not edits:
        return None
    latest = max(edits, key=lambda edit: (edit.updated_at, edit.id))
    user = db.session.get(User, latest.updated_by_id) if latest.updated_by_id else None
    name = " ".join(latest.updated_by_name.split())
    return f"{name} <{user.email}>" if user is not None else name


def _stamped(catalog: Catalog, edits: list[TranslationEdit]) -> Catalog:
    """The header as gettext expects it after a translator's work: PO-Revision-Date is the
    latest saved edit's time, Last-Translator who saved it (the file's own without edits)."""
    if edits:
        catalog.revision_date = max(edit.updated_at for edit in edits)
        catalog.last_translator = _last_translator(edits) or catalog.last_translator
    return catalog


def _compiled_check(language: str, content: bytes) -> None:
    """Refuse a file GNU `msgfmt -c` (else Babel's own checks) would not compile."""
    problems = compile_problems(content, language)
    if problems:
        raise ExportRefused(language, problems)


def _written(catalog: Catalog) -> bytes:
    """The catalog as pybabel writes it."""
    output = io.BytesIO()
    write_po(output, catalog, width=PO_WIDTH)
    return output.getvalue()


def export_po(directory: Path, language: str) -> bytes:
    """The merged catalog as pybabel writes it, with its header stamped; the edits it holds
    count as exported. ExportRefused when it would not compile (nothing is marked then)."""
    catalog, edits = merged_catalog(directory, language)
    content = _written(_stamped(catalog, edits))
    _compiled_check(language, content)
    _mark_exported(edits)
    db.session.commit()
    return content


def _mark_exported(edits: list[TranslationEdit]) -> int:
    """Mark the edits saved since the last export as exported; how many there were."""
    fresh = [edit for edit in edits if edit.changed_since_export]
    for edit in fresh:
        edit.exported_revision = edit.revision
    return len(fresh)


def export_to_files(directory: Path, languages: Iterable[str]) -> dict[str, int]:
    """Write each language's merged catalog over its file; mark the edits exported.

    Every file is checked before any is written: one that would not compile raises
    ExportRefused and nothing changes. Returns how many edits each file took since its
    previous export.
    """
    exported: list[tuple[str, bytes, list[TranslationEdit]]] = []
    for language in languages:
        catalog, edits = merged_catalog(directory, language)
        content = _written(_stamped(catalog, edits))
        _compiled_check(language, content)
        exported.append((language, content, edits))
    written: dict[str, int] = {}
    for language, content, edits in exported:
        path = po_path(directory, language)
        temporary = path.with_suffix(".po.tmp")
        temporary.write_bytes(content)
        temporary.replace(path)  # readers never see half a file
        written[language] = _mark_exported(edits)
    db.session.commit()
    return written
