"""Translator pages: progress, the catalog editor, live checks, history and the .po download."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from portal.catalogs.forms import EntryForm, ExportForm
from portal.catalogs.live import live_catalogs
from portal.catalogs.messages import (
    check_name,
    entry_filter_label,
    entry_status_label,
    problem_message,
    quoted,
    warning_message,
)
from portal.catalogs.store import (
    EDITABLE_LANGUAGES,
    CatalogEntry,
    CatalogView,
    EditConflict,
    EntryFilter,
    ExportRefused,
    NeedsConfirmation,
    TranslationRefused,
    Translator,
    UnknownRevision,
    catalog_view,
    export_po,
    find_entries,
    history_of,
    save_translation,
)
from portal.domain.translation_checks import (
    WARNING_CODES,
    ProblemCode,
    errors_of,
    plural_examples,
    split_placeholders,
    warnings_of,
)
from portal.i18n import is_safe_redirect
from portal.models import Role, TranslationChange
from portal.numbers import page_number
from portal.security import checks_form_text, roles_required
from portal.web import UNPROCESSABLE, private_download, render_page, wants_fragment

bp = Blueprint("catalogs", __name__, url_prefix="/translations")

ENTRY_KEY = re.compile(r"[0-9a-f]{32}")
MAX_QUERY_LENGTH = 200
EXAMPLES_SHOWN = 4
MAX_REASON_SHOWN = 400


def _directory() -> Path:
    """The folder of the .po files this process serves."""
    return Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])


def editable_language(language: str) -> str:
    """The language if translators may edit it; English (the source) and others are 404."""
    if language not in EDITABLE_LANGUAGES:
        abort(404)
    return language


def _entry_or_404(view: CatalogView, key: str) -> CatalogEntry:
    """The entry behind a key from a URL."""
    entry = view.by_key(key) if ENTRY_KEY.fullmatch(key) else None
    if entry is None:
        abort(404)
    return entry


def plural_labels(view: CatalogView) -> list[str]:
    """One label per plural form, with the numbers that use it (French: 0 and 1 singular)."""
    labels = []
    for index, numbers in enumerate(plural_examples(view.plural_expr, view.plural_count)):
        shown = ", ".join(str(number) for number in numbers[:EXAMPLES_SHOWN])
        if len(numbers) > EXAMPLES_SHOWN:
            shown += ", …"
        labels.append(
            _("Form %(number)d, used for n = %(numbers)s", number=index + 1, numbers=shown)
        )
    return labels


bp.add_app_template_global(entry_status_label, "entry_status_label")
bp.add_app_template_global(entry_filter_label, "entry_filter_label")
bp.add_app_template_global(check_name, "check_name")
bp.add_app_template_global(quoted, "quoted")


@bp.app_template_filter("marked_placeholders")
def marked_placeholders(text: str) -> Markup:
    """The text, escaped, with each placeholder in a <mark>."""
    return Markup("").join(
        Markup('<mark class="placeholder">%s</mark>') % piece if is_placeholder else escape(piece)
        for piece, is_placeholder in split_placeholders(text)
    )


def _reference(language: str) -> str:
    """The language shown beside the edited one: the asked one, else the other catalog."""
    asked = request.args.get("ref", "")
    if asked in current_app.config["LANGUAGES"] and asked != language:
        return asked
    return next(other for other in EDITABLE_LANGUAGES if other != language)


@dataclass(frozen=True)
class Surroundings:
    """What every entry of one page shares: the reference catalog, histories, the way back."""

    reference: str
    reference_view: CatalogView | None
    history: dict[int, list[TranslationChange]]
    back: str

    @classmethod
    def load(cls, reference: str, entries: list[CatalogEntry], back: str) -> Surroundings:
        """Read the reference catalog and the entries' histories once for the whole page."""
        reference_view = None if reference == "en" else catalog_view(_directory(), reference)
        history = history_of(entry.edit.id for entry in entries if entry.edit)
        return cls(reference, reference_view, history, back)


def _entry_context(
    view: CatalogView,
    entry: CatalogEntry,
    around: Surroundings,
    form: EntryForm | None = None,
    *,
    problems: list[str] | None = None,
    warnings: list[str] | None = None,
    conflict: EditConflict | None = None,
    saved: bool = False,
) -> dict:
    """What _entry.html needs for one entry."""
    if form is None:
        form = EntryForm(
            formdata=None,
            translation=list(entry.strings),
            revision=entry.revision,
            fuzzy=entry.fuzzy,
            next=around.back,
        )
    other = around.reference_view.by_key(entry.key) if around.reference_view else None
    return {
        "language": view.language,
        "entry": entry,
        "form": form,
        "labels": plural_labels(view) if entry.msgid_plural else [_("Translation")],
        "terms": view.terms_of(entry),
        "reference": around.reference,
        "reference_strings": other.strings if other is not None else [],
        "history": around.history.get(entry.edit.id, []) if entry.edit else [],
        "problems": problems
        if problems is not None
        else [problem_message(problem) for problem in entry.errors],
        "warnings": warnings
        if warnings is not None
        else [warning_message(problem) for problem in entry.warnings],
        "conflict": conflict,
        "saved": saved,
        "back": around.back,
    }


@bp.get("/")
@roles_required(Role.TRANSLATOR)
def overview() -> str:
    """Progress of each editable catalog: translated, fuzzy, untranslated."""
    progress = [catalog_view(_directory(), language).progress() for language in EDITABLE_LANGUAGES]
    return render_template("catalogs/overview.html", progress=progress)


def _chosen_filter(asked: str) -> EntryFilter | ProblemCode:
    """One of the editor's filters, or a check by name; anything else is all entries."""
    for kind in (EntryFilter, ProblemCode):
        try:
            return kind(asked)
        except ValueError:
            continue
    return EntryFilter.ALL


@bp.get("/<language>/")
@roles_required(Role.TRANSLATOR)
def entries(language: str) -> str:
    """The editor: filtered, searched, paged entries, each with its own form."""
    view = catalog_view(_directory(), editable_language(language))
    chosen = _chosen_filter(request.args.get("filter", ""))
    query = request.args.get("q", "").replace("\x00", "")[:MAX_QUERY_LENGTH]
    found = find_entries(view, chosen, query, page_number(request.args))
    reference = _reference(language)
    around = Surroundings.load(reference, found.entries, request.full_path)
    rendered = [_entry_context(view, entry, around) for entry in found.entries]
    return render_template(
        "catalogs/entries.html",
        language=language,
        progress=view.progress(),
        found=found,
        rendered=rendered,
        chosen=chosen,
        filters=list(EntryFilter),
        checks=list(ProblemCode),
        warning_codes=WARNING_CODES,
        query=query,
        reference=reference,
        plural_rule=view.plural_expr,
        plural_count=view.plural_count,
    )


@bp.get("/<language>/entries/<key>")
@roles_required(Role.TRANSLATOR)
def entry(language: str, key: str) -> str:
    """One entry: its own page without JavaScript, the entry's fragment for htmx."""
    view = catalog_view(_directory(), editable_language(language))
    found = _entry_or_404(view, key)
    back = request.args.get("next", "")
    back = back if is_safe_redirect(back) else url_for(".entries", language=language)
    context = _entry_context(view, found, Surroundings.load(_reference(language), [found], back))
    return render_page("catalogs/entry.html", "catalogs/_entry.html", **context)


@bp.post("/<language>/entries/<key>")
@roles_required(Role.TRANSLATOR)
@checks_form_text
def save_entry(language: str, key: str) -> Response | str | tuple[str, int]:
    """Save a translation; a failed check or a newer revision sends the form back (422)."""
    view = catalog_view(_directory(), editable_language(language))
    found = _entry_or_404(view, key)
    form = EntryForm()
    back = form.next.data if is_safe_redirect(form.next.data) else None
    back = back or url_for(".entries", language=language)
    reference = _reference(language)

    def refused(
        problems: list[str],
        conflict: EditConflict | None = None,
        warnings: list[str] | None = None,
    ) -> tuple[str, int]:
        # Read again: after a conflict the entry's history includes the save that won.
        current = catalog_view(_directory(), language).by_key(key) or found
        around = Surroundings.load(reference, [current], back)
        if warnings is None:
            checked = view.check(current, form.strings())
            warnings = [warning_message(problem) for problem in warnings_of(checked)]
        form.confirm.data = False
        context = _entry_context(
            view,
            current,
            around,
            form,
            problems=problems,
            warnings=warnings,
            conflict=conflict,
        )
        return render_page("catalogs/entry.html", "catalogs/_entry.html", **context), UNPROCESSABLE

    if found.obsolete:
        return refused([_("This source text no longer exists: the entry cannot be edited.")])
    if not form.validate():
        # A control or text-direction character (or a file) in a form: its own message.
        typed = [str(error) for field in form.translation.entries for error in field.errors]
        return refused(typed or [_("The form was incomplete. Reload the entry and try again.")])
    try:
        saved = save_translation(
            _directory(),
            language,
            key,
            form.strings(),
            fuzzy=form.fuzzy.data,
            expected_revision=form.revision.data,
            translator=Translator(current_user.id, current_user.name),
            confirmed=form.confirm.data,
        )
    except LookupError:
        abort(404)
    except UnknownRevision:
        return refused([_("The form was incomplete. Reload the entry and try again.")])
    except TranslationRefused as refusal:
        return refused([problem_message(problem) for problem in refusal.problems])
    except NeedsConfirmation as asked:
        return refused([], warnings=[warning_message(problem) for problem in asked.warnings])
    except EditConflict as conflict:
        # Saving again on purpose overwrites theirs: the form now carries their revision.
        form.revision.data = conflict.current.revision
        message = _(
            "%(name)s saved this entry while you were editing it. Compare both versions, "
            "merge them in the form, then save again.",
            name=conflict.current.updated_by_name,
        )
        return refused([message], conflict)
    live = live_catalogs()
    if live is not None:
        live.invalidate()
    if wants_fragment():
        around = Surroundings.load(reference, [saved], back)
        context = _entry_context(view, saved, around, saved=True)
        return render_template("catalogs/_entry.html", **context)
    flash(_("Translation saved."), "success")
    return redirect(back)


@bp.post("/<language>/entries/<key>/check")
@roles_required(Role.TRANSLATOR)
@checks_form_text
def check_entry(language: str, key: str) -> str:
    """The problems of the translation being typed (htmx, on each pause)."""
    view = catalog_view(_directory(), editable_language(language))
    found = _entry_or_404(view, key)
    form = EntryForm()
    form.validate()
    typed = list(dict.fromkeys(str(e) for field in form.translation.entries for e in field.errors))
    problems = view.check(found, form.strings())
    return render_template(
        "catalogs/_problems.html",
        entry=found,
        problems=typed + [problem_message(problem) for problem in errors_of(problems)],
        warnings=[warning_message(problem) for problem in warnings_of(problems)],
        form=form,
    )


@bp.post("/<language>/messages.po")
@roles_required(Role.TRANSLATOR)
def download(language: str) -> Response:
    """Export: the merged catalog as a .po file in pybabel's layout, to commit into the
    repository; its edits no longer count as "changed since the last export". Refused, with
    what `msgfmt -c` said, when the file would not compile."""
    form = ExportForm()
    if not form.validate():
        abort(400)
    try:
        content = export_po(_directory(), editable_language(language))
    except ExportRefused as refused:
        flash(
            _(
                "The export was refused: the catalog would not compile (%(reason)s). Fix the "
                "entries with errors, then export again.",
                reason=refused.reason.strip()[:MAX_REASON_SHOWN],
            ),
            "error",
        )
        return redirect(url_for(".entries", language=language, filter="errors"))
    # Werkzeug adds the charset to a text/ type: naming it here too would send it twice.
    return private_download(content, "text/x-gettext-translation", f"messages-{language}.po")
