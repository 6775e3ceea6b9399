"""Ordered QEMU property lists and libvirt's two ways of writing them: compact JSON and legacy ``key=value``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "PropValue",
    "Props",
    "build_props",
    "json_string",
    "legacy_escape",
]

#: a property value as libvirt builds it (``virJSONValue`` string, number or boolean)
PropValue = str | int | bool

#: json-c ``json_escape_str`` with ``JSON_C_TO_STRING_NOSLASHESCAPE``: short escapes, then ``\\u00XX``
_JSON_SHORT_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f"}
_JSON_ESCAPE_TABLE: Final = {ord(ch): short for ch, short in _JSON_SHORT_ESCAPES.items()} | {
    code: f"\\u{code:04x}" for code in range(0x20) if chr(code) not in _JSON_SHORT_ESCAPES}


def json_string(text: str) -> str:
    """A JSON string literal exactly as libvirt (json-c) writes it: ``/`` and non-ASCII stay as they are.

    >>> json_string('a"b\\\\c/d')
    '"a\\\\"b\\\\\\\\c/d"'
    >>> json_string("\\x01")
    '"\\\\u0001"'
    """
    return '"' + text.translate(_JSON_ESCAPE_TABLE) + '"'


def legacy_escape(text: str) -> str:
    """``virQEMUBuildBufferEscapeComma``: every ``,`` in a value is doubled.

    >>> legacy_escape("a,b")
    'a,,b'
    """
    return text.replace(",", ",,")


def _json_value(value: PropValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json_string(value)


def _legacy_value(value: PropValue) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    return legacy_escape(value)


@dataclass(frozen=True)
class Props:
    """An ordered list of ``(key, value)`` pairs: the ``virJSONValue`` object libvirt builds for one option."""

    items: tuple[tuple[str, PropValue], ...]

    def __iter__(self) -> Iterator[tuple[str, PropValue]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self.items)

    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.items)

    def get(self, key: str) -> PropValue | None:
        for k, v in self.items:
            if k == key:
                return v
        return None

    def to_json(self) -> str:
        """``virJSONValueToString(props, false)``: compact, keys in insertion order.

        >>> Props((("type", "user"), ("id", "hostnet0"))).to_json()
        '{"type":"user","id":"hostnet0"}'
        """
        return "{" + ",".join(f"{json_string(k)}:{_json_value(v)}" for k, v in self.items) + "}"

    def to_legacy(self, lead_key: str) -> str:
        """``virQEMUBuildCommandLineJSON``: the ``lead_key`` value, then ``key=value`` (on/off, commas doubled).

        >>> Props((("driver", "vfio-pci"), ("host", "0000:03:07.1"), ("failover", True))).to_legacy("driver")
        'vfio-pci,host=0000:03:07.1,failover=on'
        """
        lead = self.get(lead_key)
        if lead is None:
            raise ValueError(f"property list has no {lead_key!r}")
        parts = [str(lead)]
        parts.extend(f"{k}={_legacy_value(v)}" for k, v in self.items if k != lead_key)
        return ",".join(parts)

    def render(self, *, json: bool, lead_key: str) -> str:
        """The option argument in the syntax libvirt picks (JSON, or legacy led by ``driver``/``type``)."""
        return self.to_json() if json else self.to_legacy(lead_key)


def build_props(order: Sequence[str], values: Mapping[str, PropValue | None]) -> Props:
    """Pick ``values`` in the key ``order`` of a device table, leaving out absent (``None``) ones.

    Every key in ``values`` must be in ``order``, so one table per device decides the order for both syntaxes.
    """
    unknown = [k for k in values if k not in order]
    if unknown:
        raise KeyError(f"keys missing from the order table: {unknown}")
    return Props(tuple((k, v) for k in order if (v := values.get(k)) is not None))
