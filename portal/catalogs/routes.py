"""Translator pages."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template

from portal.catalogs import bp
from portal.catalogs.progress import catalog_progress
from portal.models import Role
from portal.security import roles_required

EDITABLE_LANGUAGES = ("it", "fr")


@bp.get("/")
@roles_required(Role.TRANSLATOR)
def overview() -> str:
    """Progress of each editable catalog: translated, fuzzy, untranslated."""
    directory = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
    progress = [catalog_progress(directory, language) for language in EDITABLE_LANGUAGES]
    return render_template("catalogs/overview.html", progress=progress)
