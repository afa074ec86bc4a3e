"""HTML to PDF with xhtml2pdf: the embedded DejaVu Sans font and reproducible bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

FONT_PACKAGE = "dejavu-fonts-ttf"
# The names the template's @font-face rules ask for; nothing else is ever resolved.
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
FONT_FAMILY = "DejaVuSans"
MISSING_GLYPH = "No font this document has can draw"
FONT_NOT_LOADED = "could not read"


class PdfRenderError(RuntimeError):
    """xhtml2pdf could not turn the HTML into a complete PDF."""


class FontFilesMissing(PdfRenderError):
    """The font package is not installed where VENDOR_DIR points."""


def font_directory(vendor_dir: str | Path) -> Path:
    """The folder with the DejaVu Sans files; a clear error naming `npm ci` when missing."""
    directory = Path(vendor_dir) / FONT_PACKAGE / "ttf"
    missing = [name for name in FONT_FILES if not (directory / name).is_file()]
    if missing:
        raise FontFilesMissing(
            f"The invoice font is missing: {', '.join(missing)} not found in {directory}. "
            f"Run `npm ci` in the project folder to install the {FONT_PACKAGE} package "
            "(or point VENDOR_DIR at the folder that holds node_modules packages)."
        )
    return directory


def font_link_callback(fonts: Path) -> Callable[[str, str | None], str | None]:
    """A link_callback that resolves the two font files and nothing else."""
    allowed = {name: str(fonts / name) for name in FONT_FILES}

    def resolve(uri: str, relative: str | None) -> str | None:
        # Any other URI is left as written, and the resource policy refuses it.
        return allowed.get(uri)

    return resolve


@dataclass(frozen=True)
class RenderedPdf:
    """The PDF and what xhtml2pdf warned about while making it."""

    content: bytes
    warnings: tuple[str, ...]

    @property
    def missing_glyphs(self) -> tuple[str, ...]:
        """Warnings about characters no embedded font can draw."""
        return tuple(message for message in self.warnings if MISSING_GLYPH in message)


def _pisa() -> ModuleType:
    """xhtml2pdf, imported on the first drawing only: it and reportlab weigh ~28 MiB per
    process, and web workers mostly serve PDFs already stored."""
    from reportlab import rl_config
    from xhtml2pdf import pisa
    from xhtml2pdf.context import pisaContext

    # No creation date and no random document ID: the same HTML gives the same bytes, so a
    # stored PDF and a fresh rendering of unchanged inputs are byte for byte the same file.
    rl_config.invariant = 1
    _parse_stylesheets_once(pisaContext)
    return pisa


# Stylesheets parsed before, by the style blocks up to and including theirs; see below.
_parsed_stylesheets: dict[tuple[tuple[str, str], ...], Any] = {}
MAX_PARSED_STYLESHEETS = 16
# What makes a style block act on the document being drawn, or depend on it: at-rules
# (@font-face, @page load fonts and set up pages in the document's context), URLs (relative
# to the document) and custom properties (kept in the context for var()).
NOT_REUSABLE = ("@", "url(", "var(", "--")


def _reusable_blocks(context: Any, text: str, source: str) -> tuple[tuple[str, str], ...] | None:
    """The key of a style block that can be parsed once per process, else None.

    xhtml2pdf's default stylesheet, or a document's style block that holds rules alone, as do
    all the blocks before it: their rules then get the same order among themselves as when
    parsed for this document (the cascade orders equal selectors by when they were parsed),
    and the blocks after them, parsed anew, come later, as they do in the document.
    """
    from xhtml2pdf.parser import DEFAULT_CSS_SOURCE

    if source == DEFAULT_CSS_SOURCE:
        blocks: tuple[tuple[str, str], ...] = ((text, source),)
    else:
        sources = [tuple(block) for block in context.cssSources]
        if (text, source) not in sources:
            return None
        blocks = tuple(sources[: sources.index((text, source)) + 1])
    if any(marker in block for block, _source in blocks for marker in NOT_REUSABLE):
        return None
    return blocks


def _parse_stylesheets_once(pisa_context: type[Any]) -> None:
    """Make xhtml2pdf parse the stylesheets that are the same in every document once.

    About a sixth of drawing an invoice went into parsing the same CSS again, xhtml2pdf's
    default stylesheet and the template's rules. A parsed stylesheet is read, never changed,
    by the documents that use it (merging copies what it changes), and one document is drawn
    at a time in a process; the fonts and the page, which act on the document, are parsed
    for each (see NOT_REUSABLE). The PDF is byte for byte the same either way.
    """
    parse = pisa_context._parseCSSSource
    if getattr(parse, "parses_once", False):
        return

    def parse_once(context: Any, text: str, source: str) -> Any:
        key = _reusable_blocks(context, text, source)
        if key is None:
            return parse(context, text, source)
        if key not in _parsed_stylesheets:
            if len(_parsed_stylesheets) >= MAX_PARSED_STYLESHEETS:
                _parsed_stylesheets.clear()
            _parsed_stylesheets[key] = parse(context, text, source)
        return _parsed_stylesheets[key]

    # A mark on the function object, so a second set-up leaves the wrapped parser alone.
    parse_once.parses_once = True  # type: ignore[attr-defined]
    pisa_context._parseCSSSource = parse_once


def load() -> None:
    """Import and set up xhtml2pdf now, as the first drawing would: a process that is about to
    fork workers drawing PDFs does it once for all of them."""
    _pisa()


def render_options(fonts: Path) -> dict[str, Any]:
    """pisa.CreatePDF's arguments for our documents: fonts only, nothing else is read."""
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    return {
        "encoding": "utf-8",
        "link_callback": font_link_callback(fonts),
        # Local reads confined to the font folder, no network: the HTML is ours, but the
        # note and the names in it are the customer's.
        "resource_policy": ResourceAccessPolicy.server(
            base_dir=None, extra_roots=(fonts,), allow_remote=False, max_resources=len(FONT_FILES)
        ),
    }


def html_to_pdf(html: str, fonts: Path) -> RenderedPdf:
    """Convert our own HTML to PDF, raising PdfRenderError when xhtml2pdf reports errors."""
    output = io.BytesIO()
    status = _pisa().CreatePDF(html, dest=output, **render_options(fonts))
    # The context's log, not the logging module: it is complete whatever the log levels.
    errors = [_describe(entry) for entry in status.log if entry[0] == "error"]
    warnings = tuple(_describe(entry) for entry in status.log if entry[0] == "warning")
    if status.err:
        raise PdfRenderError(
            f"xhtml2pdf reported {status.err} error(s): " + "; ".join(errors or ["(no detail)"])
        )
    not_embedded = [message for message in warnings if FONT_NOT_LOADED in message]
    if not_embedded:
        raise PdfRenderError("the invoice font was not embedded: " + "; ".join(not_embedded))
    return RenderedPdf(output.getvalue(), warnings)


def _describe(entry: tuple) -> str:
    """One xhtml2pdf log entry as text: the message and where in the document it arose."""
    _mode, line, message, fragment = entry
    if MISSING_GLYPH in message:
        # The log keeps the message's format string; the fragment says which text it was.
        return f"{MISSING_GLYPH} a character in {fragment!r}"
    return f"{message} (line {line}, near {fragment!r})"
