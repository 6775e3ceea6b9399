"""Versions side by side: one domain's QEMU arguments for several QEMU releases, the milestones, rules by release."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from teamkit.design.evaluate import evaluate
from teamkit.history import milestones
from teamkit.libvirt.messages import ADVISORIES, ERRORS
from teamkit.model import Domain, Network
from teamkit.present.rich import Rich, code_block, escape, table, text_table
from teamkit.qemu.version import SYNTAX_FEATURES, QemuVersion

__all__ = ["show_argv_across_versions", "show_milestones", "show_rules_by_version"]


def _label(text: str, version: QemuVersion) -> str:
    return f"QEMU {version}" + (" (latest)" if text.strip().lower() == "latest" else "")


def show_argv_across_versions(domain: Domain, versions: Sequence[str] = ("6.2", "7.0", "latest"), *,
                              networks: Mapping[str, Network] | None = None) -> Rich:
    """The domain's ``-netdev``/``-device`` arguments for each QEMU version, with the syntax each one gets."""
    html_parts = []
    text_parts = []
    for text in versions:
        version = QemuVersion.parse(text)
        result = evaluate(domain, networks=networks, qemu=version)
        features = [f"{f.name}: {'yes' if version.has(f) else 'no'}" for f in SYNTAX_FEATURES]
        notes = list(result.argv_result.warnings) if result.argv_result is not None else []
        head = f"{_label(text, version)} — {', '.join(features)}"
        html_parts.append(f"<div style='margin-top:8px'><b>{escape(head)}</b></div>"
                          + "".join(f"<div style='opacity:.75'>note: {escape(n)}</div>" for n in notes)
                          + code_block(result.argv_text()))
        text_parts.append("\n".join([head, *(f"note: {n}" for n in notes), result.argv_text().rstrip()]))
    return Rich("".join(html_parts), "\n\n".join(text_parts))


def show_milestones(component: str | None = None) -> Rich:
    """The milestones table (all components, or one)."""
    header = ("component", "version", "date", "what changed", "by")
    rows = [(m.component, m.version, m.date or "—", m.change, m.author or "—") for m in milestones(component)]
    return Rich(table(header, rows), text_table(header, rows))


def show_rules_by_version() -> Rich:
    """The libvirt rules that came (or went) with a libvirt release, from the message table."""
    by_release: dict[str, list[str]] = {}
    for entry in (*ERRORS, *ADVISORIES):
        if entry.since:
            by_release.setdefault(f"{entry.since} added", []).append(entry.code)
        if entry.until:
            by_release.setdefault(f"{entry.until} removed", []).append(entry.code)

    def order(key: str) -> tuple[int, ...]:
        return tuple(int(p) for p in key.split()[0].split("."))

    header = ("libvirt", "rules")
    rows = [(key, ", ".join(codes)) for key, codes in sorted(by_release.items(), key=lambda kv: order(kv[0]))]
    return Rich(table(header, rows), text_table(header, rows))

