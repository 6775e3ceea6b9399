"""The rule gallery: every libvirt rule and teamkit advisory with a minimal failing domain, the exact message,
why the rule exists and the fix, generated from the message table and the examples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from teamkit.libvirt.examples import EXAMPLES, UNREACHABLE, Example, example_findings
from teamkit.libvirt.messages import ADVISORIES, ERRORS, Message
from teamkit.present.rich import Rich, badge, code_block, escape, table, text_table

__all__ = ["GROUPS", "GalleryEntry", "gallery_entries", "show_gallery", "show_gallery_overview"]

#: gallery sections: key → (title, what it holds)
GROUPS: Final = {
    "parse": ("Parse errors", "virsh define stops while reading the XML"),
    "define": ("Define errors", "the XML reads fine, but libvirt's checks at define refuse it"),
    "start": ("Start errors", "virsh define accepts the domain; virsh start refuses it"),
    "advisory": ("teamkit advisories", "libvirt accepts the domain, but the pair will not work as intended"),
}


@dataclass(frozen=True)
class GalleryEntry:
    """One rule: its table entry, its example (``None`` with ``no_example`` saying why) and the exact text."""

    message: Message
    example: Example | None
    no_example: str | None
    #: the text teamkit reports for the example (libvirt's, with its class prefix, for errors)
    reported: str | None
    #: the fix as reported for the example (the table's hint, filled in)
    hint: str

    @property
    def group(self) -> str:
        if self.message.stage is None:
            return "advisory"
        return self.message.stage.value


def gallery_entries(group: str | None = None) -> tuple[GalleryEntry, ...]:
    """Every message code in table order (errors, then advisories), optionally only one of :data:`GROUPS`."""
    entries = []
    for entry in (*ERRORS, *ADVISORIES):
        example = EXAMPLES.get(entry.code)
        reported = None
        hint = entry.hint
        if example is not None:
            found = next((f for f in example_findings(example) if f.code == entry.code), None)
            if found is not None:
                reported = found.libvirt_message or found.message
                hint = found.hint or hint
        item = GalleryEntry(entry, example, UNREACHABLE.get(entry.code), reported, hint)
        if group is None or item.group == group:
            entries.append(item)
    return tuple(entries)


def _since(m: Message) -> str:
    parts = []
    if m.since:
        parts.append(f"since libvirt {m.since}")
    if m.until:
        parts.append(f"until libvirt {m.until}")
    return ", ".join(parts)


def _card(e: GalleryEntry) -> str:
    m = e.message
    kind = m.severity.value
    stage = f" {badge(m.stage.value, 'info')}" if m.stage is not None else ""
    since = f" <span style='opacity:.7'>{escape(_since(m))}</span>" if _since(m) else ""
    who = "libvirt says" if m.error_class is not None else "teamkit says"
    rows = [f"<div>{badge(kind, kind)}{stage} <b><code>{escape(m.code)}</code></b>{since}</div>"]
    if e.reported is not None:
        rows.append(f"<div style='margin:4px 0'>{who}: <code>{escape(e.reported)}</code></div>")
    else:
        rows.append(f"<div style='margin:4px 0'>{who}: <code>{escape(m.template)}</code></div>")
    rows.append(f"<div><i>why:</i> {escape(m.why)}</div>")
    rows.append(f"<div><i>fix:</i> {escape(e.hint)}</div>")
    if e.example is not None:
        rows.append(f"<details><summary>minimal failing domain ({escape(e.example.setting)})</summary>"
                    f"{code_block(e.example.focus)}</details>")
    elif e.no_example:
        rows.append(f"<div style='opacity:.75'><i>no example domain:</i> {escape(e.no_example)}</div>")
    return ("<div class='teamkit-rule' style='border-left:3px solid var(--jp-border-color1,#bbb);"
            "padding:4px 10px;margin:0 0 10px 0'>" + "".join(rows) + "</div>")


def _text(e: GalleryEntry) -> str:
    m = e.message
    stage = f" at {m.stage.value}" if m.stage is not None else ""
    lines = [f"[{m.code}] {m.severity.value}{stage}" + (f" ({_since(m)})" if _since(m) else ""),
             f"  says: {e.reported or m.template}", f"  why:  {m.why}", f"  fix:  {e.hint}"]
    if e.example is None and e.no_example:
        lines.append(f"  no example domain: {e.no_example}")
    return "\n".join(lines)


def show_gallery(group: str) -> Rich:
    """One section of the gallery (``parse``, ``define``, ``start`` or ``advisory``)."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; choose one of {', '.join(GROUPS)}")
    entries = gallery_entries(group)
    title, what = GROUPS[group]
    head = f"<p><b>{escape(title)}</b> ({len(entries)}): {escape(what)}.</p>"
    return Rich(head + "".join(_card(e) for e in entries),
                f"{title} ({len(entries)}): {what}.\n\n" + "\n\n".join(_text(e) for e in entries))


def show_gallery_overview() -> Rich:
    """How many rules each section holds, and how many have a minimal example."""
    rows = []
    for key, (title, what) in GROUPS.items():
        entries = gallery_entries(key)
        with_example = sum(1 for e in entries if e.example is not None)
        rows.append((title, str(len(entries)), str(with_example), what))
    header = ("section", "rules", "with an example", "when")
    return Rich(table(header, rows), text_table(header, rows))
