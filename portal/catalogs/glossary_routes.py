"""The glossary pages: each language's terms, added, changed and removed by translators,
beside the editor (under /translations/<language>/glossary)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.catalogs import glossary
from portal.catalogs.forms import GlossaryRemoveForm, GlossaryTermForm
from portal.catalogs.glossary import TermMoved, TermTaken
from portal.catalogs.messages import quoted
from portal.catalogs.routes import editable_language
from portal.catalogs.store import Translator, glossary_rows
from portal.models import GlossaryTerm, Role
from portal.security import checks_form_text, roles_required
from portal.web import UNPROCESSABLE, form_status

bp = Blueprint("glossary", __name__, url_prefix="/translations")


def _translator() -> Translator:
    """The signed-in translator, as the glossary records who changed a term."""
    return Translator(current_user.id, current_user.name)


def _term_or_404(language: str, term_id: int) -> GlossaryTerm:
    """A term of this language."""
    found = glossary.term_by_id(language, term_id)
    if found is None:
        abort(404)
    return found


def _taken_message(term: str) -> str:
    """The error for a term the glossary already has."""
    return _("The glossary already has %(term)s: change that one instead.", term=quoted(term))


def _moved_message() -> str:
    """The error for a term someone else changed or removed meanwhile."""
    return _("Someone changed or removed this term while you were editing it. Reload it.")


def _glossary_page(language: str, form: GlossaryTermForm) -> tuple[str, int]:
    """The glossary page around the add form (as typed, with its errors, after a refusal)."""
    page = render_template(
        "catalogs/glossary.html",
        language=language,
        terms=glossary_rows(language),
        form=form,
        remove_form=GlossaryRemoveForm(formdata=None),
    )
    return page, form_status(form)


@bp.get("/<language>/glossary")
@roles_required(Role.TRANSLATOR)
def terms(language: str) -> tuple[str, int]:
    """The language's terms and a form to add one."""
    return _glossary_page(editable_language(language), GlossaryTermForm(formdata=None))


@bp.post("/<language>/glossary")
@roles_required(Role.TRANSLATOR)
@checks_form_text
def add_term(language: str) -> Response | tuple[str, int]:
    """Add a term; a bad or duplicate one comes back with its error (422)."""
    editable_language(language)
    form = GlossaryTermForm()
    if form.validate():
        try:
            glossary.add_term(language, form.text(), _translator())
        except TermTaken:
            form.term.errors = [_taken_message(form.text().cleaned().term)]
        else:
            flash(_("Term added to the glossary."), "success")
            return redirect(url_for(".terms", language=language))
    return _glossary_page(language, form)[0], UNPROCESSABLE


@bp.route("/<language>/glossary/<int:term_id>", methods=["GET", "POST"])
@roles_required(Role.TRANSLATOR)
@checks_form_text
def term(language: str, term_id: int) -> Response | tuple[str, int]:
    """Change one term (the revision seen guards against overwriting someone's change)."""
    editable_language(language)
    found = _term_or_404(language, term_id)
    form = GlossaryTermForm(obj=found)
    if form.is_submitted() and form.validate():
        try:
            glossary.change_term(
                language, found.id, form.revision.data or 0, form.text(), _translator()
            )
        except TermTaken:
            form.term.errors = [_taken_message(form.text().cleaned().term)]
        except TermMoved:
            form.form_errors.append(_moved_message())
        else:
            flash(_("Glossary term saved."), "success")
            return redirect(url_for(".terms", language=language))
    page = render_template("catalogs/glossary_term.html", language=language, term=found, form=form)
    return page, form_status(form)


@bp.post("/<language>/glossary/<int:term_id>/remove")
@roles_required(Role.TRANSLATOR)
def remove_term(language: str, term_id: int) -> Response:
    """Remove a term, unless it changed since the page showed it."""
    editable_language(language)
    found = _term_or_404(language, term_id)
    form = GlossaryRemoveForm()
    if not form.validate():
        abort(400)
    try:
        glossary.remove_term(language, found.id, form.revision.data or 0)
    except TermMoved:
        flash(_moved_message(), "error")
    else:
        flash(_("Term removed from the glossary."), "success")
    return redirect(url_for(".terms", language=language))
