"""The review state's one rule: what customers see of an edit, and what stays reviewed."""

from __future__ import annotations

import pytest

from portal.domain.translation_review import CustomersSee, Shown, customers_see, reviewed_after


@pytest.mark.parametrize(
    ("strings", "fuzzy", "reviewed", "seen"),
    [
        (["Aperta"], False, None, CustomersSee(Shown.TEXT, ("Aperta",))),
        (["Aperta"], False, ["Vecchia"], CustomersSee(Shown.TEXT, ("Aperta",))),
        ([""], False, None, CustomersSee(Shown.SOURCE)),  # cleared: the English
        (["un", ""], False, None, CustomersSee(Shown.SOURCE)),  # a plural half written
        (["Nuova"], True, ["Rivista"], CustomersSee(Shown.TEXT, ("Rivista",))),
        (["Nuova"], True, None, CustomersSee(Shown.FILE)),  # never reviewed here: the file
        (["Nuova"], True, [""], CustomersSee(Shown.SOURCE)),  # reviewed as cleared
    ],
)
def test_what_customers_see(strings, fuzzy, reviewed, seen) -> None:
    assert customers_see(strings, fuzzy, reviewed) == seen


@pytest.mark.parametrize(
    ("strings", "fuzzy", "previous", "file", "after"),
    [
        (["Nuova"], False, ["Vecchia"], ["File"], ["Nuova"]),  # reviewed: itself
        ([""], False, ["Vecchia"], ["File"], [""]),  # reviewed as cleared, kept so
        (["Nuova"], True, ["Vecchia"], ["File"], ["Vecchia"]),  # waits: the last reviewed
        (["Nuova"], True, [""], ["File"], [""]),  # waits on a cleared one: still cleared
        (["Nuova"], True, None, ["File"], ["File"]),  # first edit: the file's reviewed text
        (["Nuova"], True, None, [""], None),  # nothing reviewed anywhere
        (["Nuova"], True, None, None, None),  # the file's entry is fuzzy itself
    ],
)
def test_what_stays_reviewed_after_a_save(strings, fuzzy, previous, file, after) -> None:
    assert reviewed_after(strings, fuzzy, previous, file) == after
