"""`python -m portal.catalogs.gate FILE.po...`: GNU `msgfmt -c` and translate-toolkit's
`pofilter` (its default tests) over catalogs; fail on any msgfmt error and on any pofilter
finding not listed, with its reason, in translations/pofilter-accepted.toml.

Each file is named `<lang>/LC_MESSAGES/messages.po` (pybabel's layout) or `messages-<lang>.po`
(the editor's download): the language picks pofilter's rules (French spacing) and the
accepted findings.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

ACCEPTED = Path(__file__).resolve().parents[2] / "translations" / "pofilter-accepted.toml"
FINDING = re.compile(r"^\(pofilter\) (?P<test>[a-z]+):")
DOWNLOAD_NAME = re.compile(r"messages-(?P<language>[a-z]{2,3})\.po$")


@dataclass(frozen=True, order=True)
class Finding:
    """One pofilter test failing on one entry of one language."""

    language: str
    test: str
    msgid: str
    context: str = ""


def language_of(path: Path) -> str:
    """The catalog's language, from pybabel's layout or the download's name."""
    named = DOWNLOAD_NAME.search(path.name)
    if named:
        return named.group("language")
    if path.parent.name == "LC_MESSAGES":
        return path.parent.parent.name
    raise ValueError(f"cannot tell the language of {path}")


def msgfmt_errors(path: Path) -> str:
    """What `msgfmt -c` says against the file (empty when it takes it)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return "msgfmt (GNU gettext) is not installed"
    # Our own executable and file names as a list, no shell: nothing untrusted runs.
    done = subprocess.run(  # noqa: S603
        [msgfmt, "-c", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if done.returncode == 0 else (done.stderr or f"msgfmt exited {done.returncode}")


def compile_problems(content: bytes, language: str) -> str:
    """Why a catalog's bytes would not compile: `msgfmt -c` where GNU gettext is installed,
    else Babel's own checks (placeholders, plural forms); empty when it compiles."""
    if shutil.which("msgfmt") is not None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"messages-{language}.po"
            path.write_bytes(content)
            return msgfmt_errors(path).replace(str(path), path.name)
    try:
        catalog = read_po(io.BytesIO(content), locale=language)
    except Exception as error:  # any parse failure means "does not compile"
        return f"the catalog cannot be read: {error}"
    # As msgfmt -c, fuzzy entries are left out (they are not compiled).
    problems = [
        f"{message.id!r}: {error}"
        for message, errors in catalog.check()
        if not message.fuzzy
        for error in errors
    ]
    return "\n".join(problems)


def pofilter_findings(path: Path, language: str) -> list[Finding]:
    """Every failing pofilter test (the default set) on the file's entries."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "findings.po"
        # This interpreter, translate-toolkit's module and our file names, no shell.
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "translate.filters.pofilter",
                f"--language={language}",
                "--progress=none",
                "-i",
                str(path),
                "-o",
                str(output),
            ],
            check=True,
            capture_output=True,
        )
        if not output.exists():
            return []
        with output.open("rb") as handle:
            flagged = read_po(handle)
    found = []
    for message in flagged:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        for comment in message.user_comments:
            match = FINDING.match(comment)
            if match:
                found.append(Finding(language, match.group("test"), msgid, message.context or ""))
    return sorted(set(found))


def accepted_findings(path: Path = ACCEPTED) -> dict[Finding, str]:
    """The reviewed false positives, each with why it is not a mistake."""
    with path.open("rb") as handle:
        rows = tomllib.load(handle).get("accepted", [])
    return {
        Finding(row["language"], row["test"], row["msgid"], row.get("context", "")): row["why"]
        for row in rows
    }


def gate(paths: Iterable[Path]) -> list[str]:
    """The problems of the files: msgfmt's errors and pofilter's findings nobody accepted."""
    accepted = accepted_findings()
    problems = []
    for path in paths:
        errors = msgfmt_errors(path)
        if errors:
            problems.append(f"{path}: msgfmt -c: {errors.strip()}")
        for finding in pofilter_findings(path, language_of(path)):
            if finding not in accepted:
                problems.append(f"{path}: pofilter {finding.test}: {finding.msgid!r}")
    return problems


def main(argv: list[str]) -> int:
    """Print each problem; exit 1 if there is any."""
    paths = [Path(arg) for arg in argv]
    problems = gate(paths)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"msgfmt -c and pofilter: {len(paths)} catalogs pass (accepted findings reviewed)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
