"""The review page's fixed prose and style: introduction, glossary, per-scenario consequences, limits, CSS."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from teamkit.failover.timeline import Timeline

__all__ = ["CONSEQUENCES", "CSS", "GLOSSARY", "INTRO", "LIMITS", "outcome_sentence"]

INTRO: Final = (
    "<p>A <b>failover pair</b> gives a VM the speed of an SR-IOV virtual function (VF) and still lets it live-migrate. "
    "The VF cannot move with the VM: it is a piece of the host's NIC. So the VM also gets a <b>virtio NIC</b> (the "
    "<i>standby</i>, <code>&lt;teaming type='persistent'/&gt;</code>), and the VF (the <i>primary</i>, "
    "<code>&lt;teaming type='transient' persistent='…'/&gt;</code>) names it. Inside the guest, Linux's "
    "<code>net_failover</code> bonds the two by MAC address. Before a migration QEMU unplugs the VF and the guest "
    "carries on over virtio; on the destination a new VF is plugged in and the guest switches back.</p>"
    "<p>This page checks one libvirt domain: whether libvirt accepts it (in libvirt's own words), how the devices "
    "are wired from the host to the guest, the exact QEMU arguments, and what happens to the network during a "
    "live migration, including the ways it can go wrong.</p>")

GLOSSARY: Final = "".join(f"<dt>{term}</dt><dd>{text}</dd>" for term, text in (
    ("VF / PF", "An SR-IOV virtual function: a slice of a physical NIC (the physical function) that a VM can own "
                "directly, bound to the host's <code>vfio-pci</code> driver."),
    ("standby (persistent)", "The virtio NIC of the pair. It is always present and carries the traffic while the "
                             "VF is away. QEMU sees <code>failover=on</code> on it."),
    ("primary (transient)", "The VF of the pair. QEMU hides it until the guest's virtio driver says it can do "
                            "failover, and unplugs it before a migration. Its <code>failover_pair_id</code> is the "
                            "standby's QEMU id."),
    ("net_failover master", "The guest's bond device (for example <code>ens10</code>) that holds the IP address; "
                            "its slaves are the standby (<code>ens10nsby</code>) and the VF. Configure the master "
                            "only."),
    ("hot-plug", "Adding or removing a PCI device while the VM runs. The primary's bus must support it: a q35 "
                 "<code>pcie-root-port</code> does; <code>pcie.0</code> does not, nor does i440fx "
                 "<code>pci.0</code> without ACPI."),
    ("wait-unplug", "The migration state in which the source QEMU waits for the guest to release the VF. It has "
                    "no timeout."),
    ("downtime", "The stop-and-copy moment at the end of a migration when the VM runs nowhere: no network at "
                 "all."),
))

CONSEQUENCES: Final[Mapping[str, str]] = MappingProxyType({
    "happy": "This is the design working: the guest leaves the VF before memory is copied, rides on virtio during "
             "the copy, and gets a VF back on the destination. The cost is time off the fast path, not lost "
             "connectivity.",
    "guest-no-failover": "A guest without net_failover (an old kernel, another OS, the firmware) never sees the "
                         "VF: it runs on virtio all the time and migrates like any virtio guest. Nothing breaks, "
                         "but the fast path is never used.",
    "guest-ignores-unplug": "QEMU waits for the guest to release the VF, with no timeout. Management must cancel "
                            "the migration; QEMU then waits up to 30 s more and the VM stays on the source. Watch "
                            "for migrations stuck in wait-unplug.",
    "fails-after-active": "If the migration breaks after the VF was unplugged, QEMU plugs it back in on the "
                          "source and the guest returns to the fast path after a short time on virtio.",
    "no-vf-on-destination": "With libvirt the destination must have a free VF before anything is unplugged; "
                            "otherwise the migration is refused up front and the VM keeps running untouched. "
                            "(Plain QEMU would complete the migration on virtio only.)",
    "primary-not-hotpluggable": "Failover cannot work while the VF's bus cannot hot-plug it. On q35's pcie.0 "
                                "(with QEMU's default ACPI hotplug; measured with QEMU 7.2) and on conventional "
                                "PCI the VM starts, but QEMU only warns when it should plug the VF and the guest "
                                "stays on virtio; on pci.0 without ACPI, a PCI expander bus or a root port with "
                                "hotplug='off', QEMU refuses to start the VM. Put the VF on a pcie-root-port "
                                "(machine q35).",
})

LIMITS: Final = (
    "Only the networking part of the domain is checked (interfaces, hostdevs, PCI addresses, boot order, "
    "aliases); errors libvirt raises for other devices (disks, graphics, …) are not.",
    "Host facts libvirt learns when the domain starts are placeholders: tap and vhost file descriptors, MACs it "
    "generates, the VFs a PF offers, whether a host device is PCI Express.",
    "Migration timelines are a model of QEMU's and Linux's behaviour with parameters (defaults from a lab), not a "
    "measurement of this VM: real durations depend on the guest's memory, dirty rate, link and VF driver.",
    "The guest's interface names (ens10, ens10nsby, ens11) are examples; udev decides the real ones.",
)


def _s(value: object) -> str:
    return f"{float(value):.3f} s" if isinstance(value, int | float) and not isinstance(value, bool) else "?"


def outcome_sentence(tl: Timeline) -> str:
    """One sentence with the modelled outcome of a timeline: how it ends and how long the guest is off each path."""
    t = tl.totals
    outcome = t.get("outcome")
    pair = tl.parameters.get("pair")
    who = f" (pair {pair})" if pair else ""
    ends = {"vf": "the VF", "virtio": "virtio, never the VF", "none": "no network"}.get(str(t.get("ends_on")), "")
    if outcome == "completed":
        text = (f"Modelled outcome{who}: the migration completes in {_s(t.get('migration_s'))}; the guest is off "
                f"the network for {_s(t.get('off_network_s'))} (the downtime)")
        if isinstance(t.get("off_vf_s"), int | float):
            text += f" and off the VF for {_s(t.get('off_vf_s'))} (on virtio for {_s(t.get('on_virtio_s'))})"
        return text + (f", and ends on {ends}." if ends else ".")
    if outcome == "cancelled":
        return (f"Modelled outcome{who}: cancelled after {_s(t.get('migration_s'))}: {_s(t.get('wait_unplug_s'))} "
                f"in wait-unplug, then a grace period of {_s(t.get('cancel_grace_s'))}; the guest stays on the "
                "source.")
    if outcome == "failed":
        return (f"Modelled outcome{who}: the migration fails after {_s(t.get('migration_s'))}; the guest is off "
                f"the VF for {_s(t.get('off_vf_s'))} in all.")
    if outcome == "refused" and t.get("ends_on") == "none":
        return f"Modelled outcome{who}: QEMU refuses to start the VM, so there is nothing to migrate."
    if outcome == "refused":
        return f"Modelled outcome{who}: refused before anything is unplugged; the guest keeps its VF."
    return f"Modelled outcome{who}: {outcome}." if outcome else ""


CSS: Final = """
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5f6368; --line: #d9d9de; --bad: #b2182b; --warn: #9a5b00;
        --ok: #1a7f37; --bg-soft: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial,
       sans-serif; color: var(--ink); background: #fff; }
header, section, nav, footer { max-width: 1500px; margin: 0 auto; }
p, ul, dl { max-width: 85ch; }
h1 { margin: 0 0 4px; font-size: 28px; }
h2 { margin: 40px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); font-size: 21px; }
h3 { margin: 28px 0 6px; font-size: 17px; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: 12px; }
.lead { color: #333; }
.muted { color: var(--muted); font-size: 13px; }
code, pre, q.libvirt { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
q.libvirt { quotes: none; background: #fdf1f2; padding: 1px 4px; border-radius: 3px; }
nav { margin-top: 16px; padding: 8px 12px; background: var(--bg-soft); border-radius: 6px; font-size: 14px; }
nav a { color: #1f4e99; text-decoration: none; }
.verdict { margin: 14px 0; padding: 12px 16px; border-radius: 6px; border-left: 6px solid; max-width: 110ch; }
.verdict.ok { background: #eef8f0; border-color: var(--ok); }
.verdict.bad { background: #fdf0f1; border-color: var(--bad); }
.verdict.warn { background: #fdf6e8; border-color: var(--warn); }
.verdict q { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 14px;
             quotes: none; }
table.findings { border-collapse: collapse; width: 100%; font-size: 14px; }
table.findings th, table.findings td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left;
                                       vertical-align: top; }
table.findings th { background: var(--bg-soft); font-weight: 600; }
table.findings td:nth-child(4) { text-align: right; color: var(--muted); }
table.findings td:nth-child(2) { white-space: nowrap; }
.sev { display: inline-block; padding: 1px 7px; border-radius: 9px; font-size: 12px; font-weight: 600; color: #fff; }
.sev.error { background: var(--bad); } .sev.warning { background: var(--warn); } .sev.info { background: #6b7280; }
pre { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
      white-space: pre-wrap; overflow-wrap: anywhere; max-width: 1500px; }
figure.wide { margin: 12px 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; overflow-x: auto;
              background: #fff; }
figure.wide svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
article { margin-top: 12px; }
details { margin: 4px 0 16px; font-size: 13px; color: var(--muted); }
.params { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px;
          overflow-wrap: anywhere; }
dt { font-weight: 600; margin-top: 8px; } dd { margin: 0 0 0 20px; }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted);
         font-size: 13px; }
"""
