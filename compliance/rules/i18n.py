"""Translatable text without Django: rules mark message ids, interfaces translate them.

`_` only marks a string for `makemessages`; `Text.render` applies whatever translation
function the interface layer passes in (Django's gettext, or none for the canonical English).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Translate = Callable[[str], str]


def _(message: str) -> str:
    return message


def untranslated(message: str) -> str:
    return message


@dataclass(frozen=True, slots=True)
class Text:
    """A message id with its parameters; parameters may themselves be Text."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Translate = untranslated) -> str:
        values = {key: _render(value, translate) for key, value in self.params.items()}
        return translate(self.msgid) % values if values else translate(self.msgid)

    def as_json(self) -> dict:
        """Stored with a finding so it can be shown again in any language."""
        return {"msgid": self.msgid, "params": {k: _dump(v) for k, v in self.params.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Text":
        return cls(data["msgid"], {k: _load(v) for k, v in data.get("params", {}).items()})


SEPARATOR = _("; ")


# A tuple parameter is a list of parts shown joined by a semicolon.
def _render(value: Any, translate: Translate) -> Any:
    if isinstance(value, Text):
        return value.render(translate)
    if isinstance(value, tuple):
        return translate(SEPARATOR).join(str(_render(v, translate)) for v in value)
    return value


def _dump(value: Any) -> Any:
    if isinstance(value, Text):
        return value.as_json()
    if isinstance(value, tuple):
        return {"parts": [_dump(v) for v in value]}
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict) and "msgid" in value:
        return Text.from_json(value)
    if isinstance(value, dict) and "parts" in value:
        return tuple(_load(v) for v in value["parts"])
    return value
