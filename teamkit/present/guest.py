"""What the guest sees of each failover pair, as a table: the net_failover master, the standby and the VF."""

from __future__ import annotations

from teamkit.failover.guest import GuestPairView, GuestStandbyView, GuestView
from teamkit.present.rich import Rich, escape, table, text_table

__all__ = ["show_guest_view"]


def show_guest_view(view: GuestView) -> Rich:
    """One table per pair (netdev, role, driver, MAC, QEMU id, note), with the NIC that carries the traffic, then one
    per persistent member that no transient names (its own failover master without a primary)."""
    header = ("netdev (example)", "role", "driver", "MAC", "QEMU id", "note")
    html_parts, text_parts = [], []
    sections: list[tuple[str, GuestPairView | GuestStandbyView]] = [
        (f"pair {pv.standby_id} ← {pv.primary_id}: traffic on {pv.carrier} ({pv.carrier_reason})", pv)
        for pv in view.pairs
    ]
    sections += [(f"{sv.standby_id} without a primary: traffic on {sv.carrier} ({sv.carrier_reason})", sv)
                 for sv in view.unpaired]
    for head, part in sections:
        rows = [(n.example_name, n.role, n.driver, n.mac or "—", n.qemu_id or "—", n.note) for n in part.netdevs]
        problems = [f"{p.severity}: {p.message}" for p in part.problems]
        html_parts.append(f"<p><b>{escape(head)}</b></p>{table(header, rows)}"
                          + "".join(f"<div style='opacity:.8'>{escape(p)}</div>" for p in problems))
        text_parts.append("\n".join([head, text_table(header, rows), *problems]))
    return Rich("".join(html_parts), "\n\n".join(text_parts))
