"""Templates print values escaped exactly as MarkupSafe does."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum, StrEnum

import pytest
from flask import render_template_string
from markupsafe import Markup, escape


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
def test_a_template_prints_a_value_as_markupsafe_escapes_it(app, value):
    with app.test_request_context():
        printed = render_template_string("{{ value }}", value=value)
    assert printed == str(escape(value))


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
