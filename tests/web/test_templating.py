"""Templates print values escaped exactly as MarkupSafe does; a row's text translated once a
page reads as translating it on each row would."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum, StrEnum

import pytest
from flask import render_template_string
from flask_babel import force_locale
from markupsafe import Markup, escape

from portal.templating import escape_output
from portal.web import ROW_VALUE, text_per_row


class Shown:
    """Something that renders itself as HTML."""

    def __html__(self) -> str:
        return "<b>shown</b>"


class Level(IntEnum):
    HIGH = 3


class Colour(StrEnum):
    RED = "<red>"


class Note(str):
    """A str subclass, as some libraries return."""


VALUES = [
    "",
    "plain",
    "<script>alert('x')</script> & \"quoted\"",
    Markup("<b>already</b> &amp; safe"),
    Markup(""),
    0,
    -42,
    10**30,
    True,
    None,
    1.5,
    Decimal("2.50"),
    Shown(),
    Level.HIGH,
    Colour.RED,
    Note("<i>note</i>"),
]


def _value_id(value: object) -> str:
    """A test id that is the same in every process (pytest-xdist compares them): a type's
    name where repr() would print an address."""
    return type(value).__name__ if isinstance(value, Shown) else repr(value)


@pytest.mark.parametrize("value", VALUES, ids=_value_id)
def test_escape_output_is_markupsafe_escape(value):
    printed = escape_output(value)
    assert printed == escape(value)
    assert type(printed) is Markup


def test_templates_print_values_escaped(app):
    with app.test_request_context():
        html = render_template_string(
            "{{ text }}|{{ safe }}|{{ number }}|{{ _('Edit') }}|{{ missing }}|"
            "{% autoescape false %}{{ text }}{% endautoescape %}",
            text="<a href='x'>&",
            safe=Markup("<b>bold</b>"),
            number=7,
        )
    assert html == "&lt;a href=&#39;x&#39;&gt;&amp;|<b>bold</b>|7|Edit||<a href='x'>&"


@pytest.mark.parametrize("locale", ["en", "it", "fr"])
@pytest.mark.parametrize("number", ["INV-2026-000001", "A&<B>\"'"])
def test_a_text_per_row_reads_as_translating_it_on_the_row(app, locale, number):
    source = (
        "{% set label = text_per_row(_('Edit the note of %(number)s', number=row_value)) %}"
        "{{ label(number) }}|{{ _('Edit the note of %(number)s', number=number) }}"
    )
    with app.test_request_context(), force_locale(locale):
        once, each = render_template_string(source, number=number).split("|")
    assert once == each
    assert "&lt;B&gt;" in once or "<" not in number


def test_a_text_per_row_puts_the_value_wherever_the_translation_does():
    assert text_per_row(f"{ROW_VALUE} and {ROW_VALUE}")("7") == "7 and 7"
    assert text_per_row("no value")("7") == "no value"
    label = text_per_row(Markup("<i>%s</i>") % ROW_VALUE)("<b>")
    assert label == Markup("<i>&lt;b&gt;</i>")
    assert type(label) is Markup
