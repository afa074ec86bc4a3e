"""The checks a translation passes before it is saved, on the repository's real entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from portal.config import TRANSLATED_LANGUAGES
from portal.domain.translation_checks import (
    MAX_TRANSLATION_LENGTH,
    Problem,
    ProblemCode,
    SourceEntry,
    check_translation,
    errors_of,
    placeholders,
    plural_examples,
    split_placeholders,
)

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def real_entries(language: str) -> list[tuple[SourceEntry, list[str]]]:
    """Every translated entry of a repository catalog, as source and forms."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    found = []
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            found.append((SourceEntry(*message.id), list(message.string)))
        else:
            found.append((SourceEntry(message.id), [message.string]))
    return found


def codes(problems: list[Problem]) -> list[ProblemCode]:
    """Only the codes, in order."""
    return [problem.code for problem in problems]


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_repository_translation_passes(language: str) -> None:
    entries = real_entries(language)
    assert len(entries) > 300
    for source, strings in entries:
        # Warnings (an unchanged "Standard") ask the translator; only errors refuse.
        assert errors_of(check_translation(source, strings, 2)) == [], (source, strings)


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_dropping_a_named_placeholder_from_any_real_entry_is_refused(language: str) -> None:
    checked = 0
    for source, strings in real_entries(language):
        named = [p for p in placeholders(strings[0]) if p.startswith("%(")]
        if not named:
            continue
        broken = [strings[0].replace(named[0], "", 1), *strings[1:]]
        problems = check_translation(source, broken, 2)
        assert ProblemCode.PLACEHOLDERS_MISSING in codes(problems), (source, broken)
        checked += 1
    assert checked > 50


PLURAL = SourceEntry("%(num)d day left", "%(num)d days left")


def test_plural_forms_are_checked_against_singular_and_plural() -> None:
    assert check_translation(PLURAL, ["%(num)d jour restant", "%(num)d jours restants"], 2) == []
    problems = check_translation(PLURAL, ["%(num)d jour restant", "jours restants"], 2)
    assert problems == [Problem(ProblemCode.PLACEHOLDERS_MISSING, 1, ("%(num)d",))]


def test_the_number_of_plural_forms_must_match_the_language() -> None:
    problems = check_translation(PLURAL, ["%(num)d jour", "%(num)d jours", "%(num)d x"], 2)
    assert codes(problems) == [ProblemCode.PLURAL_COUNT]
    assert codes(check_translation(PLURAL, ["%(num)d jour"], 2)) == [ProblemCode.PLURAL_COUNT]
    assert codes(check_translation(SourceEntry("Save"), ["a", "b"], 2)) == [
        ProblemCode.PLURAL_COUNT
    ]


def test_a_plural_entry_is_filled_in_completely_or_left_empty() -> None:
    assert check_translation(PLURAL, ["", ""], 2) == []
    problems = check_translation(PLURAL, ["%(num)d jour restant", ""], 2)
    assert codes(problems) == [ProblemCode.PLURAL_INCOMPLETE]


@pytest.mark.parametrize(
    ("source", "translation", "expected"),
    [
        ("Hello {name}", "Ciao {name}", []),
        (
            "Hello {name}",
            "Ciao {nome}",
            [ProblemCode.PLACEHOLDERS_MISSING, ProblemCode.PLACEHOLDERS_UNKNOWN],
        ),
        ("Hello {name}", "Ciao {{name}}", [ProblemCode.PLACEHOLDERS_MISSING]),
        ("%d days", "%d giorni", []),
        (
            "%d days",
            "%s giorni",
            [ProblemCode.PLACEHOLDERS_MISSING, ProblemCode.PLACEHOLDERS_UNKNOWN],
        ),
        ("%d days", "giorni", [ProblemCode.PLACEHOLDERS_MISSING]),
        ("Paid %(amount)s", "Pagato %(amount)s %(extra)s", [ProblemCode.PLACEHOLDERS_UNKNOWN]),
        (
            "Paid %(amount)s",
            "Pagato %(amount)d",
            [ProblemCode.PLACEHOLDERS_MISSING, ProblemCode.PLACEHOLDERS_UNKNOWN],
        ),
        # A string formatted without variables shows a % as it is: "%%" would show twice.
        ("Save", "Sconto 100%", []),
        ("Save", "Sconto del 100% sul", []),
        ("Save", "Sconto 100%%", [ProblemCode.PERCENT_DOUBLED]),
        ("Only 50% off", "Solo 50% di sconto", []),
        ("Read the <strong>terms</strong>", "Leggi i <strong>termini</strong>", []),
        ("Read the terms", "Leggi i <b>termini</b>", [ProblemCode.HTML_TAGS]),
        ("Read", "<script>alert(1)</script>", [ProblemCode.HTML_TAGS]),
        # Markup a translator may not add (issue 21): every opening a browser would act on.
        ("Error", 'Errore" hx-post="/team/invite', []),  # text: escaped wherever printed
        ("Error", "Errore <!-- ", [ProblemCode.MARKUP]),
        ("Error", "Errore <img src=x onerror=alert(1)", [ProblemCode.MARKUP]),
        ("Error", "Errore </div", [ProblemCode.MARKUP]),
        (
            "Error",
            '<meta http-equiv=refresh content="0;url=//evil.example">',
            [ProblemCode.HTML_TAGS],
        ),
        ("Error", "<!doctype html>", [ProblemCode.MARKUP]),
        ("Error", "<![CDATA[x]]>", [ProblemCode.MARKUP]),
        ("Error", "<?xml x?>", [ProblemCode.MARKUP]),
        ("Error", "Errore&nbsp;grave", [ProblemCode.ENTITIES]),
        ("Error", "Errore &#60;b&#62;", [ProblemCode.ENTITIES]),
        ("Error", "Errore: a < b, 3 > 2 & 4 > 1", []),
        (
            "Read the <strong>terms</strong>",
            "Leggi i <strong>termini",
            [ProblemCode.UNBALANCED_TAGS],
        ),
        (
            "Read the <strong>terms</strong>",
            "Leggi i </strong>termini<strong>",
            [ProblemCode.UNBALANCED_TAGS],
        ),
        ("Read the <strong>terms</strong>", "Leggi i termini", []),
        (
            'Read the <a href="%(url)s">terms</a>',
            'Leggi i <a href="%(url)s" hx-post="/team/invite">termini</a>',
            [ProblemCode.HTML_TAGS],
        ),
        (
            'Read the <a href="%(url)s">terms</a>',
            'Leggi i <a href="javascript:alert(1)">termini</a> %(url)s',
            [ProblemCode.HTML_TAGS],
        ),
        # Format widths, precisions and flags the source lacks.
        ("Paid %(amount)s", "Pagato %(amount)2000000s", [ProblemCode.FORMAT_SPEC]),
        ("Paid %(amount)s", "Pagato %(amount).0s", [ProblemCode.FORMAT_SPEC]),
        ("Paid %(amount)s", "Pagato %(amount)-9s", [ProblemCode.FORMAT_SPEC]),
        ("%d days", "%05d giorni", [ProblemCode.FORMAT_SPEC]),
        ("%(num)5.2f%%", "%(num)5.2f%%", []),
        (
            "Total: %(total)s",
            "Totale: %(total) 2000000s",
            [ProblemCode.PLACEHOLDERS_MISSING, ProblemCode.LONE_PERCENT],
        ),
        ("Save", "Salva\x00", [ProblemCode.CONTROL_CHARACTER]),
        # A line break where the source has none: an e-mail subject cannot hold one.
        ("Save", "Salva\nora", [ProblemCode.LINE_BREAKS]),
        ("Save", "Salva\n", [ProblemCode.LINE_BREAKS]),
        ("Line one\nline two", "Riga uno\nriga due", []),
        ("Line one\nline two\n", "Riga uno\nriga due", [ProblemCode.LINE_BREAKS]),
        ("Save", "Sal\u202eva", [ProblemCode.CONTROL_CHARACTER]),
        ("Save", "Sal\u2066va", [ProblemCode.CONTROL_CHARACTER]),
        ("Save", "Salva \U0001f469\u200d\U0001f4bb", []),  # an emoji with a joiner is text
        ("Save", "x" * (MAX_TRANSLATION_LENGTH + 1), [ProblemCode.TOO_LONG]),
    ],
)
def test_single_form_checks(source: str, translation: str, expected: list[ProblemCode]) -> None:
    # The refusing checks; the warnings have their table in tests/catalogs/test_checks_table.py.
    assert codes(errors_of(check_translation(SourceEntry(source), [translation], 2))) == expected


def test_refused_placeholders_are_named() -> None:
    problems = check_translation(SourceEntry("Hello {name}"), ["Ciao {nome}"], 2)
    assert problems[0].items == ("{name}",)
    assert problems[1].items == ("{nome}",)
    html = check_translation(SourceEntry("Terms"), ["<em>Termini</em>"], 2)
    assert html[0].items == ("</em>", "<em>")


def test_plural_examples_follow_each_language() -> None:
    italian = plural_examples("(n != 1)", 2)
    french = plural_examples("(n > 1)", 2)
    assert italian[0] == [1] and italian[1][:3] == [0, 2, 3]
    assert french[0] == [0, 1] and french[1][:3] == [2, 3, 4]


def test_placeholders_are_cut_out_for_highlighting() -> None:
    assert split_placeholders("Pay %(amount)s to {name}, 100%% done") == [
        ("Pay ", False),
        ("%(amount)s", True),
        (" to ", False),
        ("{name}", True),
        (", 100%% done", False),
    ]


@given(st.text(max_size=200))
def test_the_source_itself_is_always_an_acceptable_translation(text: str) -> None:
    problems = errors_of(check_translation(SourceEntry(text), [text], 2))
    assert all(problem.code in {ProblemCode.CONTROL_CHARACTER} for problem in problems)


def test_a_respelled_placeholder_is_named_as_written() -> None:
    [problem] = check_translation(SourceEntry("Paid %(amount)s"), ["Pagato %(amount)99s"], 2)
    assert problem == Problem(ProblemCode.FORMAT_SPEC, None, ("%(amount)99s",))


def test_markup_problems_name_what_was_added() -> None:
    markup, entities = check_translation(SourceEntry("Error"), ["Errore <!-- x -->&nbsp;"], 2)
    assert (markup.code, markup.items) == (ProblemCode.MARKUP, ("<!-- x -->",))
    assert (entities.code, entities.items) == (ProblemCode.ENTITIES, ("&nbsp;",))


@given(st.text(max_size=200), st.text(max_size=200))
def test_a_translation_with_markup_of_its_own_is_always_refused(source: str, text: str) -> None:
    translation = f"{text}<b onclick=x>{text}</b>"
    if "<b onclick=x>" in source:
        return
    codes_found = codes(check_translation(SourceEntry(source), [translation], 2))
    assert ProblemCode.HTML_TAGS in codes_found
