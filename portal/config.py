"""Settings read from the environment, with embedded defaults for development."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.clock import running_from

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = Path(__file__).resolve().parent / "data"

# The portal's languages, the one list: pages, e-mails, PDFs, the invoice language's choices,
# the translators' editor and the catalog check all take theirs from here. English is the
# source (gettext msgids); translators edit the others.
LANGUAGES = ("it", "fr", "en")
SOURCE_LANGUAGE = "en"
TRANSLATED_LANGUAGES = tuple(language for language in LANGUAGES if language != SOURCE_LANGUAGE)
# Sessions and CSRF tokens are only as strong as the key that signs them.
MIN_SECRET_KEY_LENGTH = 32
# Our largest form (billing info with five CCs) is a few kilobytes; anything far bigger is
# refused before it is parsed, so nobody can tie a worker up with a huge body.
MAX_BODY_BYTES = 64 * 1024

# The EU VAT registry's SOAP service (VIES), as the European Commission publishes it.
VIES_WSDL_URL = "https://ec.europa.eu/taxation_customs/vies/checkVatService.wsdl"

# Where the portal is reached when PUBLIC_URL is unset: what `scripts/start` serves on, and
# the host the Flask test client sends.
DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:5000"
TESTING_PUBLIC_URL = "http://localhost"
# Served besides the public URL's host on a developer machine and in the tests (the test
# client, the servers the tests start on a loopback port), never in production.
LOCAL_HOSTS = ("localhost", "127.0.0.1")
# A DNS name (a leading dot in ALLOWED_HOSTS: it and every name under it); IPv4 addresses
# match too. Werkzeug's host check cannot match IPv6 literals, so they are refused.
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")
# urlsplit drops tabs and line breaks silently: they are refused before.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
# RFC 3986 path characters: a path prefix where a proxy mounts the portal.
_URL_PATH = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*")


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; start-up stops with this message."""


def _env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_float(name: str, default: float) -> float:
    """Read a number of seconds from the environment."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds, not {value!r}") from None


def _display_timezone() -> str:
    """The time zone pages, PDFs and e-mails show times in; refused at start-up if unknown."""
    name = os.environ.get("DISPLAY_TIMEZONE", "Europe/Rome")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"DISPLAY_TIMEZONE must be an IANA time zone such as Europe/Rome, not {name!r}"
        ) from None
    return name


def _is_loopback(host: str) -> bool:
    """localhost or a loopback IP address: nothing sent there leaves the machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_public_url(value: str, *, production: bool) -> str:
    """PUBLIC_URL as the portal builds links on it (scheme and host lower case, no final
    slash), or ConfigurationError saying what is wrong.

    Every link in an e-mail and every address handed to the payment gateway starts with it,
    whatever Host a request came with. In production it must be https: a reset or invitation
    link carries a sign-in token. A loopback address may use http (a production-mode run on
    one machine, as the benchmarks do), as nothing sent there can leave the machine.
    """
    example = "such as https://billing.example.com (or https://example.com/billing)"
    url = value.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = 0
    host = parts.hostname or ""
    if (
        scheme not in {"http", "https"}
        or not url.lower().startswith(f"{scheme}://")
        or _SPACE_OR_CONTROL.search(url)
        or "?" in url
        or "#" in url
        or parts.username is not None
        or port == 0
        or "//" in parts.path
        or not (_HOST_NAME.fullmatch(host) or _is_ipv4(host))
        or not _URL_PATH.fullmatch(parts.path)
    ):
        raise ConfigurationError(
            f"PUBLIC_URL must be the portal's address as its users open it, {example}: "
            f"http(s)://, a host name or IPv4 address, an optional port and path prefix, "
            f"no user, query or fragment; not {value!r}"
        )
    if production and scheme != "https" and not _is_loopback(host):
        raise ConfigurationError(
            f"PUBLIC_URL must start with https:// in production (links in e-mails carry "
            f"sign-in tokens), not {value!r}; http:// is accepted only for a loopback address "
            f"(localhost, 127.0.0.1)."
        )
    default_port = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _is_ipv4(host: str) -> bool:
    """True for a dotted IPv4 address."""
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv4Address)
    except ValueError:
        return False


def check_allowed_hosts(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """ALLOWED_HOSTS (comma-separated, or a list) as host names, or ConfigurationError."""
    entries = value.split(",") if isinstance(value, str) else list(value)
    if isinstance(value, str) and not value.strip():
        return ()
    hosts = []
    for entry in entries:
        name = entry.strip().lower()
        if not (_HOST_NAME.fullmatch(name.removeprefix(".")) or _is_ipv4(name)):
            raise ConfigurationError(
                "ALLOWED_HOSTS must list host names or IPv4 addresses separated by commas "
                "(no scheme, port or path; `.example.com` for every name under it), "
                f"not {entry!r} in {value!r}"
            )
        hosts.append(name)
    return tuple(hosts)


def trusted_hosts(public_url: str, allowed_hosts: tuple[str, ...], *, local: bool) -> list[str]:
    """The hosts requests may name: the public URL's, the allowed ones, and on a developer
    machine or in the tests the local ones."""
    hosts = [urlsplit(public_url).hostname or "", *allowed_hosts, *(LOCAL_HOSTS if local else ())]
    return list(dict.fromkeys(hosts))


def _public_url(environment: str, production: bool) -> str:
    """PUBLIC_URL from the environment: required in production, a local default elsewhere."""
    value = os.environ.get("PUBLIC_URL", "")
    if not value.strip():
        if production:
            raise ConfigurationError(
                "PUBLIC_URL is not set. Set it to the portal's address as its users open it, "
                "e.g. https://billing.example.com: links in e-mails and the payment gateway's "
                "return addresses are built on it, and requests for other hosts are refused."
            )
        return TESTING_PUBLIC_URL if environment == "testing" else DEVELOPMENT_PUBLIC_URL
    return check_public_url(value, production=production)


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret(instance_path: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts in development."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine settings for the database the app uses."""
    if database_url.startswith("sqlite"):
        # SQLite writers queue for its single write lock (the account lock there): each
        # waits for it up to 30 s instead of failing at once.
        return {"connect_args": {"timeout": 30}}
    # Dropped server connections are caught by a ping on checkout after the connection sat
    # idle (see portal.extensions.ping_after_idle), not before every checkout: a busy server
    # reuses its connections within milliseconds, and a ping costs every request a round trip.
    return {}


def load_settings(instance_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from the environment."""
    environment = os.environ.get("PORTAL_ENV", "production")
    development = environment in {"development", "testing"}

    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if not development:
            raise ConfigurationError(
                "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
                "(or PORTAL_ENV=development on a developer machine)."
            )
        secret_key = _development_secret(instance_path)
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH and not development:
        raise ConfigurationError(
            f"SECRET_KEY is too short ({len(secret_key)} characters). Use at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters, e.g. "
            '`python -c "import secrets; print(secrets.token_hex(32))"`.'
        )

    public_url = _public_url(environment, production=not development)
    allowed_hosts = check_allowed_hosts(os.environ.get("ALLOWED_HOSTS", ""))

    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{instance_path / 'portal.sqlite3'}"
    )

    database_url = normalize_database_url(database_url)

    settings: dict[str, Any] = {
        "PORTAL_ENV": environment,
        "SECRET_KEY": secret_key,
        # Every link handed out is built on it (portal.public_url.public_url_for).
        "PUBLIC_URL": public_url,
        # Hosts served besides the public URL's; any other Host is refused (400).
        "ALLOWED_HOSTS": allowed_hosts,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", not development),
        "REMEMBER_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", not development),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        # HSTS only where the site is served over HTTPS for sure.
        "STRICT_TRANSPORT_SECURITY": _env_bool("STRICT_TRANSPORT_SECURITY", not development),
        "MAX_CONTENT_LENGTH": MAX_BODY_BYTES,
        "MAX_FORM_MEMORY_SIZE": MAX_BODY_BYTES,
        "WTF_CSRF_TIME_LIMIT": None,
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "en"),
        "BABEL_DEFAULT_TIMEZONE": _display_timezone(),
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "PRICE_LIST_FILE": os.environ.get("PRICE_LIST_FILE", str(PACKAGE_DATA / "prices.toml")),
        "VAT_RATES_FILE": os.environ.get("VAT_RATES_FILE", str(PACKAGE_DATA / "vat_rates.toml")),
        "EXCHANGE_RATES_FILE": os.environ.get(
            "EXCHANGE_RATES_FILE", str(PACKAGE_DATA / "exchange_rates.toml")
        ),
        "SELLER_COUNTRY": os.environ.get("SELLER_COUNTRY", "IT"),
        "SELLER_NAME": os.environ.get("SELLER_NAME", "Chatdesk S.r.l."),
        "SELLER_ADDRESS": os.environ.get("SELLER_ADDRESS", "Via Example 1, 20100 Milano"),
        "SELLER_VAT_ID": os.environ.get("SELLER_VAT_ID", "IT12345670017"),
        "SELLER_EMAIL": os.environ.get("SELLER_EMAIL", "billing@chatdesk.example.com"),
        # The seller's address in parts, as an e-invoice states it; SELLER_ADDRESS is what
        # documents print. Province: the two-letter code of an Italian seller's province.
        "SELLER_STREET": os.environ.get("SELLER_STREET", "Via Example 1"),
        "SELLER_POSTAL_CODE": os.environ.get("SELLER_POSTAL_CODE", "20100"),
        "SELLER_CITY": os.environ.get("SELLER_CITY", "Milano"),
        "SELLER_PROVINCE": os.environ.get("SELLER_PROVINCE", "MI"),
        # FatturaPA's RegimeFiscale: RF01 is the ordinary VAT regime.
        "SELLER_TAX_REGIME": os.environ.get("SELLER_TAX_REGIME", "RF01"),
        # Who transmits e-invoices to the exchange system: the seller itself by default (its
        # VAT number), or an intermediary's tax code. It starts every e-invoice file name.
        "EINVOICE_TRANSMITTER_ID": os.environ.get("EINVOICE_TRANSMITTER_ID", ""),
        # Where "Help" and every "contact support" lead: a help-desk page, else an e-mail.
        "SUPPORT_URL": os.environ.get("SUPPORT_URL", ""),
        "SUPPORT_EMAIL": os.environ.get("SUPPORT_EMAIL", "support@chatdesk.example.com"),
        "VENDOR_DIR": os.environ.get("VENDOR_DIR", str(PROJECT_ROOT / "node_modules")),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per 15 minutes"),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", ""),
        # The crash tests' servers die at this payment step (portal.payments.lifecycle).
        "PAYMENT_KILL_AT": os.environ.get("PAYMENT_KILL_AT") if environment == "testing" else None,
        "LIVE_CATALOGS": _env_bool("LIVE_CATALOGS", True),
        "CATALOG_CHECK_SECONDS": _env_float("CATALOG_CHECK_SECONDS", 3.0),
        # A pooled PostgreSQL connection idle this long is pinged before its next use.
        "DATABASE_PING_AFTER_IDLE_SECONDS": _env_float("DATABASE_PING_AFTER_IDLE_SECONDS", 10.0),
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "20 per hour"),
        "LOGIN_EMAIL_RATE_LIMIT": os.environ.get("LOGIN_EMAIL_RATE_LIMIT", "20 per hour"),
        # The EU VAT registry (VIES) confirms a VAT ID before reverse charge applies: on in
        # production; off in development and the tests, and for offline installs, where the
        # offline format and checksum check alone decides (portal.vies).
        "VIES_ENABLED": _env_bool("VIES_ENABLED", not development),
        "VIES_WSDL_URL": os.environ.get("VIES_WSDL_URL", VIES_WSDL_URL),
        "VIES_TIMEOUT": _env_float("VIES_TIMEOUT", 5.0),
        "VIES_RECHECK_DAYS": _env_float("VIES_RECHECK_DAYS", 30.0),
        "PASSWORD_HASH_METHOD": "scrypt",
        "PASSWORD_RESET_MAX_AGE": timedelta(hours=1),
        "INVITATION_MAX_AGE": timedelta(days=7),
    }
    settings.update(_mail_settings(instance_path, settings["SELLER_EMAIL"]))
    settings.update(_einvoice_settings(instance_path))
    if environment == "testing":
        settings.update(_test_clock())
    return settings


def _test_clock() -> dict[str, Any]:
    """The tests' servers start at the tests' pinned instant (`PORTAL_CLOCK_START`, ISO 8601
    with its offset), so what they date agrees with what the tests compute on any day."""
    start = os.environ.get("PORTAL_CLOCK_START")
    if not start:
        return {}
    try:
        moment = datetime.fromisoformat(start)
    except ValueError:
        raise ConfigurationError(
            f"PORTAL_CLOCK_START must be an ISO instant, not {start!r}"
        ) from None
    if moment.tzinfo is None:
        raise ConfigurationError("PORTAL_CLOCK_START needs its UTC offset (+00:00)")
    now = running_from(moment.astimezone(UTC))
    return {"NOW": now, "TODAY": lambda: now().date()}


def _einvoice_settings(instance_path: Path) -> dict[str, Any]:
    """The e-invoice transmission channel: the embedded outbox and inbox folders by default."""
    folder = instance_path / "einvoices"
    return {
        # `folder`, or `package.module:factory` for an intermediary (portal.einvoices.transmission).
        "EINVOICE_TRANSMITTER": os.environ.get("EINVOICE_TRANSMITTER", "folder"),
        "EINVOICE_OUTBOX": os.environ.get("EINVOICE_OUTBOX", str(folder / "outbox")),
        "EINVOICE_INBOX": os.environ.get("EINVOICE_INBOX", str(folder / "inbox")),
    }


def _mail_settings(instance_path: Path, seller_email: str) -> dict[str, Any]:
    """SMTP when MAIL_SMTP_HOST is set; otherwise messages are written to a local outbox."""
    try:
        port = int(os.environ.get("MAIL_SMTP_PORT", "25"))
        timeout = float(os.environ.get("MAIL_SMTP_TIMEOUT", "10"))
    except ValueError as error:
        raise ConfigurationError(
            f"MAIL_SMTP_PORT and MAIL_SMTP_TIMEOUT must be numbers: {error}"
        ) from None
    return {
        "MAIL_SMTP_HOST": os.environ.get("MAIL_SMTP_HOST", ""),
        "MAIL_SMTP_PORT": port,
        "MAIL_SMTP_USERNAME": os.environ.get("MAIL_SMTP_USERNAME", ""),
        "MAIL_SMTP_PASSWORD": os.environ.get("MAIL_SMTP_PASSWORD", ""),
        "MAIL_SMTP_STARTTLS": _env_bool("MAIL_SMTP_STARTTLS", False),
        "MAIL_SMTP_TIMEOUT": timeout,
        "MAIL_FROM": os.environ.get("MAIL_FROM") or seller_email,
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(instance_path / "outbox")),
    }
