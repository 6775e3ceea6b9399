# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Build a pair
#
# Instead of writing the XML by hand, choose the pieces and let teamkit write the libvirt domain XML:
#
# - **Machine**: `q35` (PCI Express, every device on its own hot-pluggable root port) or `pc` (i440fx, conventional
#   PCI), with or without ACPI, the QEMU version, and how many pairs.
# - **Persistent NIC**: the virtio NIC that is always there: its type (`user`, `bridge`, `network`, `direct`,
#   `ethernet`), its source, its model, its MAC and its alias.
# - **Transient VF**: an `<interface type='hostdev'>`, a plain `<hostdev>` (libvirt 7.1 and later), or an
#   `<interface type='network'>` on a pool of VFs (`<forward mode='hostdev'>`), with the VF's host PCI address and
#   whether libvirt manages it.
#
# Every change updates the tabs at once: the **findings** (libvirt's errors and teamkit's advisories, each with why and
# how to fix it), the **QEMU arguments**, the **domain XML** and the **device graph**. They are the answers that
# `teamkit validate`, `teamkit argv` and `teamkit graph` give for the same XML. **Export** writes the XML to a file;
# it will not replace an existing file unless you tick *overwrite*.
#
# Run the cell, then try: machine `pc` without ACPI; model `e1000e`; MAC `52:54:00:zz:00:01`; alias `backup0`; a
# plain `<hostdev>`; QEMU `4.1` or `6.2`.

# %% tags=["nbval-ignore-output"]
from teamkit.widgets import TeamingBuilder

builder = TeamingBuilder()
builder

# %% [markdown]
# ## The same from code
#
# Every control is an attribute of the builder, and so is every answer. Here we build a pair on `q35` with an
# `<interface type='hostdev'>` VF. (If you ran the cell above, the controls follow along.)

# %%
builder.machine.value = "q35"
builder.acpi.value = True
builder.transient_kind.value = "interface-hostdev"
print(builder.summary())

# %% [markdown]
# The QEMU arguments libvirt writes for it. On q35, libvirt gives each device its own `pcie-root-port` (`pci.1`,
# `pci.3`, …), which can hot-plug the VF:

# %%
print(builder.argv_text)

# %%
from teamkit.present import show_findings

show_findings(builder.findings)

# %% [markdown]
# The same pair with the VF taken from a pool: the transient NIC names the network, and libvirt hands out the pool's
# VFs in order. The builder also writes the pool's network definition:

# %%
builder.transient_kind.value = "hostdev-network"
print(builder.networks_xml["hostdev-pool"])
print(builder.argv_text)

# %% [markdown]
# ## Does QEMU agree?
#
# `teamkit smoke` starts the rendered arguments in a real QEMU (paused, TCG: no KVM, no root and no SR-IOV hardware
# needed) and asks it over QMP whether the pair is wired. QEMU must hide the VF until the guest negotiates failover,
# so a wired pair starts without ever opening the VF. Where QEMU is not installed, the cell says so and skips the
# check.

# %% tags=["nbval-ignore-output"]
from teamkit.present.smoke import run_smoke

builder.transient_kind.value = "interface-hostdev"
run_smoke(builder.domain_xml, networks_xml=builder.networks_xml, name="teaming-demo.xml")

# %% [markdown]
# **Next:** [3. What libvirt checks](03-what-libvirt-checks.ipynb): every rule behind those findings.
