"""Small builders of domain XML for tests: a minimal domain around the given device elements."""

from __future__ import annotations

__all__ = ["PERSISTENT", "TRANSIENT_HOSTDEV_IFACE", "TRANSIENT_PLAIN_HOSTDEV", "domain_xml"]

PERSISTENT = """<interface type='user'>
  <mac address='00:11:22:33:44:55'/>
  <model type='virtio'/>
  <teaming type='persistent'/>
  <alias name='ua-backup0'/>
</interface>"""

TRANSIENT_HOSTDEV_IFACE = """<interface type='hostdev' managed='yes'>
  <mac address='00:11:22:33:44:55'/>
  <source><address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x1'/></source>
  <teaming type='transient' persistent='ua-backup0'/>
</interface>"""

TRANSIENT_PLAIN_HOSTDEV = """<hostdev mode='subsystem' type='pci' managed='yes'>
  <source><address domain='0x0000' bus='0x03' slot='0x07' function='0x1'/></source>
  <teaming type='transient' persistent='ua-backup0'/>
</hostdev>"""


def domain_xml(*devices: str, machine: str = "q35", features: str = "<acpi/>", os_extra: str = "") -> str:
    body = "\n".join(devices)
    return f"""<domain type='qemu'>
  <name>t</name>
  <memory unit='KiB'>262144</memory>
  <os><type arch='x86_64' machine='{machine}'>hvm</type>{os_extra}</os>
  <features>{features}</features>
  <devices>
{body}
  </devices>
</domain>
"""
