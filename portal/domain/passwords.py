"""Password rules, pure: long enough, letters and digits, not a well-known password."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

# OWASP ASVS 2.1.1: at least 12 characters. Checked when a password is chosen (change, reset,
# invitation, demo data): a user whose older password is shorter still signs in with it.
MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


class PasswordProblem(StrEnum):
    """Why a new password is refused."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NEEDS_LETTERS_AND_DIGITS = "needs_letters_and_digits"
    TOO_COMMON = "too_common"


@cache
def common_passwords() -> frozenset[str]:
    """The well-known passwords attackers try first, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and line[0] != "#")


def password_problem(password: str, *, email: str = "") -> PasswordProblem | None:
    """The first rule the password breaks, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return PasswordProblem.TOO_SHORT
    if len(password) > MAX_LENGTH:
        return PasswordProblem.TOO_LONG
    if not any(char.isalpha() for char in password) or not any(char.isdigit() for char in password):
        return PasswordProblem.NEEDS_LETTERS_AND_DIGITS
    lowered = password.lower()
    local_part = email.partition("@")[0].lower()
    if lowered in common_passwords() or (len(local_part) >= 4 and local_part in lowered):
        return PasswordProblem.TOO_COMMON
    return None
