"""The glossary: where an English text uses a term, and whether a translation keeps to it."""

from __future__ import annotations

import pytest

from portal.domain.glossary import (
    Term,
    not_followed,
    split_variants,
    term_key,
    term_problems,
    terms_in,
)
from portal.domain.translation_checks import ProblemCode, SourceEntry, check_translation

IT = (
    Term("invoice", "fattura", ("fatture",)),
    Term("open invoice", "fattura da pagare", ("fatture da pagare",)),
    Term("credit note", "nota di credito", ("note di credito",)),
    Term("package", "pacchetto", ("pacchetti",)),
    Term("pack", "pacchetto di conversazioni", ("pacchetti di conversazioni",)),
    Term("plan", "piano", ("piani",)),
    Term("support", "assistenza"),
    Term("billing admin", "amministratore di fatturazione", ("amministratori di fatturazione",)),
)
FR = (
    Term("support", "assistance"),
    Term("open invoice", "facture à payer", ("factures à payer",)),
    Term("invoice", "facture", ("factures",)),
    Term("credit note", "avoir", ("avoirs",)),
    Term("plan", "formule", ("formules",)),
)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("Invoices", ["invoice"]),
        ("Your INVOICE is paid.", ["invoice"]),
        ("Open invoices", ["open invoice", "invoice"]),
        ("Credit notes of %(year)s", ["credit note"]),
        ("The package ends", ["package"]),
        ("Conversation packs", ["pack"]),
        ("Plans and prices", ["plan"]),
        ("We planned it", []),  # "plan" is not in "planned"
        ("Invoiced amounts", []),  # nor "invoice" in "invoiced"
        ("Billing  admins", ["billing admin"]),  # any spaces between the words
        ("Contact support.", ["support"]),
    ],
)
def test_terms_are_found_as_whole_words_in_the_plural_too(source: str, found: list[str]) -> None:
    assert sorted(term.term for term in terms_in(source, IT)) == sorted(found)


@pytest.mark.parametrize(
    ("source", "translation", "missing"),
    [
        ("Invoices", "Fatture", []),
        ("Invoices", "Documenti", ["invoice"]),
        ("Open invoices", "Fatture da pagare", []),
        # The longer term is what matters: a bare "fatture" breaks "open invoice" only.
        ("Open invoices", "Fatture in sospeso", ["open invoice"]),
        ("Contact support", "Contatta il supporto", ["support"]),
        ("Contact support", "Contatta l'assistenza", []),
        ("Credit notes", "Note di credito", []),
        ("The plan", "Il pacchetto", ["plan"]),
        ("Chatbot conversation packs", "Pacchetti di conversazioni chatbot", []),
        ("The package", "IL PACCHETTO", []),  # any case
    ],
)
def test_a_translation_follows_the_glossary_with_any_accepted_form(
    source: str, translation: str, missing: list[str]
) -> None:
    assert [term.term for term in not_followed(source, translation, IT)] == missing


@pytest.mark.parametrize(
    ("language", "glossary", "source", "translation", "warned"),
    [
        ("it", IT, "Open invoices", "Fatture in sospeso", True),
        ("it", IT, "Open invoices", "Fatture da pagare", False),
        ("fr", FR, "Contact support", "Contactez le support", True),
        ("fr", FR, "Contact support", "Contactez l'assistance", False),
        ("fr", FR, "Open invoices", "Factures dues", True),
        ("fr", FR, "Credit note", "Note de crédit", True),
        ("fr", FR, "Credit note", "Avoir", False),
        # A placeholder named like a term is a value, not the word.
        ("it", IT, "Each period: %(package)s", "Per ogni periodo: %(package)s", False),
        ("fr", FR, "Your plan: %(plan)s", "Votre abonnement : %(plan)s", True),
    ],
)
def test_the_check_warns_when_a_term_is_translated_another_way(
    language: str, glossary, source: str, translation: str, warned: bool
) -> None:
    problems = check_translation(
        SourceEntry(source), [translation], 2, language=language, glossary=glossary
    )
    glossary_problems = [problem for problem in problems if problem.code is ProblemCode.GLOSSARY]
    assert bool(glossary_problems) is warned
    assert all(not problem.is_error for problem in glossary_problems)  # a warning, never refused


def test_plural_forms_are_checked_against_their_own_source() -> None:
    source = SourceEntry("%(num)d invoice", "%(num)d invoices")
    problems = check_translation(source, ["%(num)d fattura", "%(num)d documenti"], 2, glossary=IT)
    assert [(problem.code, problem.form) for problem in problems] == [(ProblemCode.GLOSSARY, 1)]
    assert problems[0].items == ("invoice → fattura",)


def test_keys_and_variants_are_normalised() -> None:
    assert term_key("  Credit   Note ") == "credit note"
    assert split_variants(" fatture, ,fatture , l'agente,") == ("fatture", "l'agente")


def test_a_placeholder_named_like_the_term_does_not_follow_the_glossary() -> None:
    glossary = (Term("agent", "agent", ("agents",)),)
    found = check_translation(
        SourceEntry("Remove %(agents)s agents"),
        ["Retirer %(agents)s personnes"],
        2,
        glossary=glossary,
    )
    assert [problem.code for problem in found] == [ProblemCode.GLOSSARY]


def test_typographic_and_plain_apostrophes_are_one() -> None:
    glossary = (Term("letter of intent", "dichiarazione d'intento"),)
    assert not_followed("Letter of intent", "Dichiarazione d\u2019intento", glossary) == []


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        (("plan", "piano", "", ""), []),
        (("", "piano", "", ""), ["term_missing"]),
        (("plan.*", "piano", "", ""), ["term_not_words"]),
        (("ß" * 80, "x", "", ""), ["term_too_long"]),
        (("plan", "  ", "", ""), ["translation_missing"]),
        (("plan", "piano", ",".join(f"a{i:02d}" for i in range(100)), ""), ["variants_too_long"]),
        (("plan", "piano", "", "n" * 501), ["note_too_long"]),
    ],
)
def test_term_problems_judge_what_would_be_stored(fields, problems) -> None:
    assert [str(problem) for problem in term_problems(*fields)] == problems
