"""What a request keeps of its language (portal.locale_cache) is what Flask-Babel answers, for
the request's locale and for a forced one, and lasts no longer than the request."""

from __future__ import annotations

from babel import Locale
from flask import g
from flask_babel import force_locale, get_locale, gettext

from portal import locale_cache
from portal.locale_cache import current_locale, current_locale_name, request_translations


class Finder:
    """A catalog look-up that counts its calls and answers the locale it was asked in."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return f"catalog {get_locale()} #{self.calls}"


def test_the_locale_is_flask_babels_in_a_request_and_under_force_locale(app):
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert current_locale() == Locale("it")  # asked first: through get_locale()
        assert current_locale() is get_locale()
        with force_locale("fr"):
            assert current_locale() is get_locale()
            assert current_locale() == Locale("fr")
            with force_locale("en"):
                assert current_locale() == Locale("en")
            assert current_locale() == Locale("fr")
        assert current_locale() is get_locale()
        assert current_locale() == Locale("it")


def test_the_locale_is_read_where_flask_babel_keeps_it(app):
    """The pin: should a Flask-Babel release keep its locale elsewhere, current_locale() would
    go through get_locale() on every text again (right, but slower); this says so."""
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        locale = get_locale()
        state = getattr(g, locale_cache._FLASK_BABEL_STATE)
        assert getattr(state, locale_cache._FLASK_BABEL_LOCALE) is locale
        with force_locale("it"):
            assert getattr(state, locale_cache._FLASK_BABEL_LOCALE) is get_locale()


def test_outside_a_request_a_forced_locale_is_answered(app):
    with app.app_context(), force_locale("it"):
        assert current_locale() == Locale("it")
        assert current_locale_name() == "it"


def test_the_locale_name_follows_force_locale(app):
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert current_locale_name() == "it"
        with force_locale("fr"):
            assert current_locale_name() == "fr"
        assert current_locale_name() == "it"


def test_a_request_looks_its_catalog_up_once_per_locale(app):
    find = Finder()
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert request_translations(find) == "catalog it #1"
        assert request_translations(find) == "catalog it #1"
        with force_locale("fr"):
            assert request_translations(find) == "catalog fr #2"
            assert request_translations(find) == "catalog fr #2"
        assert request_translations(find) == "catalog it #3"
    assert find.calls == 3


def test_the_next_request_looks_again(app):
    find = Finder()
    for expected in ("catalog it #1", "catalog it #2"):
        with app.test_request_context(headers={"Accept-Language": "it"}):
            assert request_translations(find) == expected


def test_requests_inside_one_app_context_keep_nothing_for_each_other(app):
    find = Finder()
    with app.app_context():
        with app.test_request_context(headers={"Accept-Language": "it"}):
            assert request_translations(find) == "catalog it #1"
        with app.test_request_context(headers={"Accept-Language": "it"}):
            assert request_translations(find) == "catalog it #2"


def test_outside_a_request_nothing_is_kept(app):
    find = Finder()
    with app.app_context(), force_locale("fr"):
        assert request_translations(find) == "catalog fr #1"
        assert request_translations(find) == "catalog fr #2"


def test_texts_follow_a_forced_locale_and_come_back(app):
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert gettext("Amount to pay") == "Importo da pagare"
        with force_locale("fr"):
            assert gettext("Amount to pay") == "Montant à payer"
        assert gettext("Amount to pay") == "Importo da pagare"
