"""Two translators on one entry: the later save is refused, both versions shown, none lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.catalogs.store import EditConflict, Translator, save_translation
from portal.extensions import db
from portal.models import Role, TranslationChange, TranslationEdit
from tests.catalogs.conftest import TRANSLATOR, key_of
from tests.conftest import PASSWORD, at_once, csrf_token_from

DAYS_LEFT = key_of("%(num)d day left")
URL = f"/translations/fr/entries/{DAYS_LEFT}"


def open_form(client) -> dict[str, str]:
    """What the entry's form carries when the translator opens it."""
    page = client.get(URL).text
    revision = page.split('name="revision" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": csrf_token_from(page), "revision": revision}


def test_the_second_save_is_refused_with_both_versions(app, client, factory, translator) -> None:
    factory.user("marc@vendor.example.com", Role.TRANSLATOR, name="Marc Martin")
    other = app.test_client()
    other.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(other.get("/login").text),
            "email": "marc@vendor.example.com",
            "password": PASSWORD,
        },
    )
    tina_form, marc_form = open_form(client), open_form(other)

    first = client.post(
        URL, data={**tina_form, "translation-0": "%(num)d jour", "translation-1": "%(num)d jours"}
    )
    assert first.status_code == 302
    second = other.post(
        URL,
        data={
            **marc_form,
            "translation-0": "%(num)d j. rest.",
            "translation-1": "%(num)d j. rest.",
        },
    )
    assert second.status_code == 422
    assert "Tina Translator saved this entry while you were editing it." in second.text
    assert '<p class="their-version">%(num)d jours</p>' in second.text  # theirs
    assert "%(num)d j. rest.</textarea>" in second.text  # his own, not lost
    assert 'name="revision" value="1"' in second.text  # saving again is deliberate

    merged = other.post(
        URL,
        data={
            "csrf_token": marc_form["csrf_token"],
            "revision": "1",
            "translation-0": "%(num)d jour restant",
            "translation-1": "%(num)d jours",
        },
    )
    assert merged.status_code == 302
    with app.app_context():
        edit = db.session.scalar(select(TranslationEdit))
        assert edit.revision == 2 and edit.updated_by_name == "Marc Martin"
        assert db.session.scalar(select(func.count(TranslationChange.id))) == 2


def test_a_conflict_over_htmx_swaps_in_both_versions(client, translator) -> None:
    form = open_form(client)
    client.post(URL, data={**form, "translation-0": "%(num)d a", "translation-1": "%(num)d b"})
    late = client.post(
        URL,
        data={**form, "translation-0": "%(num)d c", "translation-1": "%(num)d d"},
        headers={"HX-Request": "true"},
    )
    assert late.status_code == 422 and "<html" not in late.text
    assert '<p class="their-version">%(num)d b</p>' in late.text


@pytest.mark.parametrize("existing", [False, True])
def test_simultaneous_saves_of_one_revision_keep_exactly_one(
    app, factory, catalog_dir: Path, existing: bool
) -> None:
    user_id = factory.user(TRANSLATOR, Role.TRANSLATOR)
    revision = 0
    if existing:
        with app.app_context():
            save_translation(
                catalog_dir,
                "fr",
                DAYS_LEFT,
                ["%(num)d x", "%(num)d xs"],
                fuzzy=False,
                expected_revision=0,
                translator=Translator(user_id, "Tina"),
            )
        revision = 1

    def attempt(text: str):
        with app.app_context():
            try:
                return save_translation(
                    catalog_dir,
                    "fr",
                    DAYS_LEFT,
                    [f"%(num)d {text}", f"%(num)d {text}s"],
                    fuzzy=False,
                    expected_revision=revision,
                    translator=Translator(user_id, text),
                )
            except EditConflict as conflict:
                return conflict
            finally:
                db.session.remove()

    results = at_once(lambda: attempt("un"), lambda: attempt("deux"))
    conflicts = [result for result in results if isinstance(result, EditConflict)]
    assert len(conflicts) == 1, results
    with app.app_context():
        edit = db.session.scalar(select(TranslationEdit))
        assert edit.revision == revision + 1
        assert conflicts[0].current.revision == revision + 1
        assert db.session.scalar(select(func.count(TranslationChange.id))) == revision + 1
