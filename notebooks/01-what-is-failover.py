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
# # 1. What is a virtio-net failover pair?
#
# **The problem.** An SR-IOV *virtual function* (VF) is a slice of a physical NIC handed straight to the guest:
# close to line rate, low latency, and no host CPU in the data path. But a VF cannot be live-migrated. It is a
# piece of *this* host's hardware, and its state cannot be copied to another host. A virtio NIC migrates without
# trouble, but every packet then goes through the host.
#
# **The pair.** virtio-net failover keeps both NICs in the guest:
#
# - a **persistent** virtio NIC, always present, marked `<teaming type='persistent'/>` and given a user alias such
#   as `ua-backup0`;
# - a **transient** VF marked `<teaming type='transient' persistent='ua-backup0'/>`: it may be unplugged and
#   plugged back in.
#
# QEMU keeps the VF hidden until the guest's virtio driver says it understands failover (the `STANDBY` feature). It
# unplugs the VF before a migration (the `wait-unplug` migration state) and plugs a VF back in on the destination.
#
# **The guest bond.** In the guest, Linux's `net_failover` driver (Linux 4.18 and later) creates a *master* network
# device with the virtio NIC as its *standby* and the VF as its *primary*. It pairs them **by MAC address**. Traffic
# uses the VF while it is there, and the virtio NIC while it is not. The IP address lives on the master, so the
# guest keeps its connections while the VF comes and goes.
#
# ## How it came about
#
# Three projects had to agree: Linux in the guest, QEMU in the middle and libvirt on top.

# %%
from teamkit.present.versions import show_milestones

show_milestones()

# %% [markdown]
# The guest side came first, with `net_failover` in Linux 4.18. QEMU 4.2 (Jens Freimann's series) added the
# `failover` property of `virtio-net-pci`, the `failover_pair_id` property of PCI devices, and the `wait-unplug`
# migration state. libvirt 6.1.0 (March 2020) followed with Laine Stump's series "Support virtio-net failover
# (teaming)". It added the `<teaming>` element that this course is about, and allowed migrating a domain that has a
# transient hostdev. libvirt 7.1.0 (March 2021) allowed `<teaming>` on a plain `<hostdev>` as well.
#
# ## A minimal pair
#
# This is the smallest useful pair on a `q35` machine. The virtio NIC sits on a host bridge, and the VF is given by
# its host PCI address. Both members carry the **same MAC**, because that is how the guest pairs them.

# %%
from teamkit.design import PairDesign, domain_xml, evaluate_text

PAIR = domain_xml(PairDesign())
print(PAIR)

# %% [markdown]
# What does libvirt say? teamkit checks the domain with libvirt's rules, in libvirt's order, and then adds its own
# review advisories:

# %%
from teamkit.present import show_findings

review = evaluate_text(PAIR)
show_findings(review.findings)

# %% [markdown]
# libvirt accepts it. The only note is about the guest, which teamkit cannot see. These are the QEMU arguments
# libvirt writes for the two NICs: `"failover":true` on the virtio NIC, and `"failover_pair_id":"ua-backup0"` on
# the VF (`vfio-pci`).

# %%
print(review.argv_text())

# %% [markdown]
# ## The device graph
#
# From left to right: the host devices behind each NIC, the guest PCI tree that libvirt builds (q35 gives each
# device its own `pcie-root-port`, which can hot-plug), and what the Linux guest sees. The arrow from the VF to the
# virtio NIC is `failover_pair_id`.

# %%
from teamkit.present import Svg

Svg(review.graph_dot(), "the device graph of the minimal pair")

# %% [markdown]
# ## What the guest sees
#
# Three network devices: the `net_failover` master (configure this one), the virtio standby and the VF primary. The
# names are examples; udev picks the real ones.

# %%
from teamkit.failover import guest_view
from teamkit.present.guest import show_guest_view

show_guest_view(guest_view(review.domain))

# %% [markdown]
# ## Break it on purpose
#
# A teaming type libvirt does not know. teamkit gives libvirt's exact message, with its class prefix, as
# `virsh define` would print it:

# %%
broken = evaluate_text(PAIR.replace("type='persistent'", "type='standby'"))
show_findings(broken.findings)

# %% [markdown]
# **Next:** [2. Build a pair](02-build-a-pair.ipynb) with controls instead of hand-written XML.
