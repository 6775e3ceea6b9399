# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What is a virtio-net failover pair?
#
# An SR-IOV virtual function (VF) is fast but cannot be live-migrated. A failover pair adds a **persistent** virtio
# NIC next to the **transient** VF: QEMU unplugs the VF before a migration, the guest keeps talking through virtio,
# and a VF is plugged back in on the destination. The guest's `net_failover` driver bonds the two by MAC address.
#
# Below, teamkit checks a minimal pair the way libvirt would.

# %%
from teamkit.libvirt.check import check_domain
from teamkit.libvirt.parse import parse_domain_string

PAIR = """<domain type='qemu'>
  <name>demo</name>
  <memory unit='KiB'>262144</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <interface type='user'>
      <mac address='52:54:00:11:22:33'/>
      <model type='virtio'/>
      <teaming type='persistent'/>
      <alias name='ua-backup0'/>
    </interface>
    <interface type='hostdev' managed='yes'>
      <mac address='52:54:00:11:22:33'/>
      <source><address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x1'/></source>
      <teaming type='transient' persistent='ua-backup0'/>
    </interface>
  </devices>
</domain>"""

for finding in check_domain(parse_domain_string(PAIR)):
    print(f"{finding.severity.value}: {finding.message}")

# %% [markdown]
# Break it on purpose: a teaming type libvirt does not know.

# %%
broken = PAIR.replace("type='persistent'", "type='standby'")
for finding in check_domain(parse_domain_string(broken)):
    if finding.is_error:
        print(finding.libvirt_message)
