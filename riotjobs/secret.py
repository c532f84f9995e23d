"""``Secret``: a string that never shows itself.

Settings hold the API key, the database URL and the webhook URLs as ``Secret`` so a repr, a log
line or an f-string of the settings prints stars; code that needs the value asks for it by name
(``get_secret_value``), which is easy to find in review.
"""

from __future__ import annotations

MASK = "**********"


class Secret:
    """A string value that renders as stars. Two secrets are equal when their values are."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
