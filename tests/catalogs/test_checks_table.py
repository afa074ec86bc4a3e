"""Every hostile or sloppy edit gets its check's answer (refused or warned), in it and fr;
legitimate ones pass. The pure checks take the whole table; the save route a few rows."""

from __future__ import annotations

import pytest

from portal.domain.glossary import Term
from portal.domain.translation_checks import (
    ProblemCode,
    Severity,
    SourceEntry,
    check_translation,
    max_length_of,
)
from tests.catalogs.conftest import key_of
from tests.catalogs.test_editor import save

C = ProblemCode
PLURAL_RULES = {"it": ("(n != 1)", 2), "fr": ("(n > 1)", 2)}
ACCOUNT = SourceEntry("Account", python_format=False)
SAVE_CARD = SourceEntry("Save your card", python_format=False)
CHANGED = SourceEntry("0% changed", python_format=False)
SAVED = SourceEntry("Saved.", python_format=False)
GREETING = SourceEntry("Hello %(name)s", python_format=True)
DISCOUNT = SourceEntry("%(rate)d%% off", python_format=True)
AGENTS = SourceEntry("%(num)d agent", "%(num)d agents", python_format=True)

# (source, Italian translation, French translation, the check that answers, its severity)
HOSTILE = [
    (ACCOUNT, "Conto<!-- ", "Compte<!-- ", C.MARKUP, Severity.ERROR),
    (ACCOUNT, "   ", "\u00a0 ", C.BLANK, Severity.ERROR),
    (ACCOUNT, "Conto\n", "Compte\n", C.LINE_BREAKS, Severity.ERROR),
    (ACCOUNT, "\nConto", "\nCompte", C.LINE_BREAKS, Severity.ERROR),
    (ACCOUNT, " Conto ", " Compte ", C.EDGE_WHITESPACE, Severity.WARNING),
    (ACCOUNT, "Conto ", "Compte ", C.EDGE_WHITESPACE, Severity.WARNING),
    (ACCOUNT, "Con\tto", "Com\tpte", C.TABS, Severity.WARNING),
    (SAVE_CARD, "Salva  la carta", "Enregistrer  la carte", C.DOUBLE_SPACE, Severity.WARNING),
    (ACCOUNT, "Con\u200bto", "Com\u200bpte", C.ZERO_WIDTH, Severity.WARNING),
    (ACCOUNT, "Con\ufeffto", "Com\u2060pte", C.ZERO_WIDTH, Severity.WARNING),
    (SAVE_CARD, "Save your card", "Save your card", C.UNCHANGED, Severity.WARNING),
    (SAVED, "Salvato!", "Enregistré\u00a0!", C.END_PUNCTUATION, Severity.WARNING),
    (SAVED, "Salvato", "Enregistré", C.END_PUNCTUATION, Severity.WARNING),
    (CHANGED, "0%% cambiato", "0%% modifié", C.PERCENT_DOUBLED, Severity.ERROR),
    (DISCOUNT, "%(rate)d% di sconto", "%(rate)d% de remise", C.LONE_PERCENT, Severity.ERROR),
    (GREETING, "Ciao", "Bonjour", C.PLACEHOLDERS_MISSING, Severity.ERROR),
    (GREETING, "Ciao %(nome)s", "Bonjour %(nom)s", C.PLACEHOLDERS_UNKNOWN, Severity.ERROR),
    (GREETING, "Ciao %(name)999s", "Bonjour %(name).0s", C.FORMAT_SPEC, Severity.ERROR),
    (ACCOUNT, "<b>Conto</b>", "<b>Compte</b>", C.HTML_TAGS, Severity.ERROR),
    (ACCOUNT, "Conto &nbsp;", "Compte &amp;", C.ENTITIES, Severity.ERROR),
    (ACCOUNT, "Conto\x07", "Compte\x1b", C.CONTROL_CHARACTER, Severity.ERROR),
    (ACCOUNT, "Conto\u202e", "Compte\u200f", C.CONTROL_CHARACTER, Severity.ERROR),
]
FRENCH_ONLY = [
    (SourceEntry("Account:"), "Compte:", C.FRENCH_SPACING),
    (SourceEntry("Your account:"), "Votre compte :", C.FRENCH_SPACING),  # a plain space
    (SourceEntry("Really?"), "Vraiment?", C.FRENCH_SPACING),
    (SourceEntry("Thank you!"), "Merci!", C.FRENCH_SPACING),
]
LEGITIMATE = [
    ("it", SourceEntry("Visa"), ["Visa"]),
    ("fr", SourceEntry("PayPal"), ["PayPal"]),
    ("fr", SourceEntry("Total"), ["Total"]),
    ("it", SourceEntry("%(name)s invited you"), ["%(name)s ti ha invitato: %(name)s"]),
    ("fr", SourceEntry("%(name)s invited you"), ["%(name)s vous a invité (%(name)s)"]),
    ("it", AGENTS, ["un agente", "%(num)d agenti"]),
    ("it", CHANGED, ["0% cambiato"]),
    ("fr", CHANGED, ["0\u00a0% modifié"]),
    ("it", DISCOUNT, ["%(rate)d%% di sconto"]),
    ("fr", SourceEntry("Account:"), ["Compte\u00a0:"]),
    ("fr", SourceEntry("Forgot your password?"), ["Mot de passe oublié\u202f?"]),
    ("fr", SourceEntry("See https://example.com at 10:30"), ["Voir https://example.com à 10:30"]),
    ("it", SourceEntry("Account"), [""]),  # empty: untranslated, not a problem
]


def problems(language: str, source: SourceEntry, strings: list[str], **more):
    """The checks' answer, as the editor asks them."""
    rule, count = PLURAL_RULES[language]
    return check_translation(source, strings, count, language=language, plural_expr=rule, **more)


@pytest.mark.parametrize("language", ["it", "fr"])
@pytest.mark.parametrize(("source", "it", "fr", "code", "severity"), HOSTILE)
def test_each_hostile_or_sloppy_edit_gets_its_check(language, source, it, fr, code, severity):
    found = problems(language, source, [it if language == "it" else fr])
    assert code in {problem.code for problem in found}, found
    assert code.severity is severity


@pytest.mark.parametrize(("source", "text", "code"), FRENCH_ONLY)
def test_french_wants_a_no_break_space_before_high_punctuation(source, text, code):
    found = problems("fr", source, [text])
    assert code in {problem.code for problem in found}
    assert all(not problem.is_error for problem in found)
    assert code not in {problem.code for problem in problems("it", source, [text])}


@pytest.mark.parametrize(("language", "source", "strings"), LEGITIMATE)
def test_legitimate_edits_pass(language, source, strings):
    assert problems(language, source, strings) == []


def test_the_count_may_be_left_out_only_where_a_form_means_one():
    # French uses its singular for 0 too: "un agent" would read "un agent" for 0.
    found = problems("fr", AGENTS, ["un agent", "%(num)d agents"])
    assert C.PLACEHOLDERS_MISSING in {problem.code for problem in found}
    assert C.PLACEHOLDERS_MISSING in {
        problem.code for problem in problems("it", AGENTS, ["%(num)d agente", "agenti"])
    }


@pytest.mark.parametrize("language", ["it", "fr"])
def test_a_source_translated_two_ways_and_longer_than_its_place_are_warned(language):
    found = problems(language, ACCOUNT, ["Profilo"], elsewhere=(("Conto",),))
    assert [problem.code for problem in found] == [C.INCONSISTENT]
    assert problems(language, ACCOUNT, ["Conto"], elsewhere=(("Conto",),)) == []
    narrow = SourceEntry("Pay", max_length=max_length_of(["Translators: max-length:8"], []))
    found = problems(language, narrow, ["Procedi al pagamento"])
    assert [(problem.code, problem.items) for problem in found] == [(C.LONGER_THAN_PLACE, ("8",))]


GLOSSARY = {
    "it": (Term("open invoice", "fattura da pagare", ("fatture da pagare",)),),
    "fr": (Term("open invoice", "facture à payer", ("factures à payer",)),),
}


@pytest.mark.parametrize(
    ("language", "astray", "kept"),
    [
        ("it", "Fatture in sospeso", "Fatture da pagare"),
        ("fr", "Factures dues", "Factures à payer"),
    ],
)
def test_a_term_translated_against_the_glossary_is_warned(language, astray, kept):
    source = SourceEntry("Open invoices")
    found = problems(language, source, [astray], glossary=GLOSSARY[language])
    assert [(problem.code, problem.code.severity) for problem in found] == [
        (C.GLOSSARY, Severity.WARNING)
    ]
    assert problems(language, source, [kept], glossary=GLOSSARY[language]) == []


# Through the save route, on both databases: errors never save, warnings ask first.
OPEN = key_of("Open", "example status")


@pytest.mark.parametrize(
    ("language", "text", "message"),
    [
        ("it", "Aperta<!-- ", "A translation is plain text"),
        ("fr", "  ", "Spaces alone are no translation"),
        ("it", "Aperta\n", "Keep the line breaks of the source"),
        ("fr", "Ouverte 100%%", "write a percent sign once"),
    ],
)
def test_the_save_route_refuses_errors(client, translator, language, text, message):
    response = save(client, language, OPEN, text, confirm="y")
    assert response.status_code == 422
    assert message in response.text
    assert 'name="confirm"' not in response.text  # an error cannot be confirmed away
    page = client.get(f"/translations/{language}/entries/{OPEN}").text
    assert f">{text}</textarea>" not in page  # nothing saved


@pytest.mark.parametrize(
    ("language", "text", "message"),
    [
        ("it", " Aperta ", "Spaces at the start or the end differ from the source."),
        ("fr", "Ouv\u200berte", "An invisible zero-width character is in the text"),
        ("fr", "Open", "The translation is the same as the English source."),
        ("it", "Aperta  ora", "Two spaces in a row where the source has one."),
    ],
)
def test_the_save_route_asks_to_confirm_warnings(client, translator, language, text, message):
    asked = save(client, language, OPEN, text)
    assert asked.status_code == 422
    assert message in asked.text and 'name="confirm"' in asked.text
    assert client.get(f"/translations/{language}/?filter=warnings").status_code == 200
    saved = save(client, language, OPEN, text, confirm="y")
    assert saved.status_code == 302
    page = client.get(f"/translations/{language}/entries/{OPEN}").text
    assert f">{text}</textarea>" in page
    listed = client.get(f"/translations/{language}/?filter=warnings&q=example+status").text
    assert message in listed
    # Listed among the entries with warnings (found by its words: the list is paged).
    assert OPEN in listed


def test_the_live_check_shows_warnings_and_the_confirmation(client, translator):
    page = client.get(f"/translations/fr/entries/{OPEN}").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        f"/translations/fr/entries/{OPEN}/check",
        data={"csrf_token": token, "revision": "0", "translation-0": "Ouverte:"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "French puts a no-break space before" in response.text
    assert 'name="confirm"' in response.text
