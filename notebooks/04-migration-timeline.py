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
# # 4. The migration timeline
#
# What happens to a failover pair during a live migration? Five actors take part: **management** (you, or an
# orchestrator, running `virsh migrate --live`), **libvirt** on both hosts, the **source QEMU**, the **destination
# QEMU**, and the **guest kernel**. teamkit models the sequence of QMP events, migration states and actions, and
# which NIC carries the guest's traffic at each moment:
#
# - **VF** (fast path): `net_failover` sends through the VF;
# - **virtio** (slow path): the VF is gone, and the virtio standby carries the traffic;
# - **off the network**: the VM is paused for the final copy.
#
# The durations are a model. The defaults come from measurements on a lab guest, and each parameter's documentation
# (`Params.describe()`) says where it comes from.
#
# We use the minimal q35 pair from notebook 1.

# %%
from teamkit.design import PairDesign, domain_xml
from teamkit.failover import Params, applicable_scenarios, simulate
from teamkit.libvirt.parse import parse_domain_string
from teamkit.present.timeline import show_applicability, show_steps, show_totals

domain = parse_domain_string(domain_xml(PairDesign()))
happy = simulate(domain, "happy", Params())

# %% [markdown]
# ## The happy path, step by step
#
# Before the migration starts, the guest runs on the VF. QEMU asks the guest to unplug it and waits in
# `wait-unplug`, polling every 250 ms. Traffic moves to virtio while the RAM is copied. The VM pauses for the final
# copy. On the destination, QEMU plugs a VF back in while it loads the state, before the guest resumes. The guest
# then finds the new VF and enslaves it again.

# %%
show_steps(happy)

# %%
show_totals(happy)

# %% [markdown]
# The same as a picture, with one lane per actor. The coloured band on the right is the datapath.

# %%
from teamkit.draw.timeline import timeline_dot
from teamkit.present import Svg

Svg(timeline_dot(happy), "the happy path as a swimlane timeline")

# %% [markdown]
# ## What can go wrong
#
# Which failure scenarios can happen to this domain, and why (or why not):

# %%
show_applicability(applicable_scenarios(domain))

# %% [markdown]
# The ones that apply, side by side: a guest without `net_failover` (F1), a guest that never finishes the unplug
# (F2: QEMU waits until management cancels, then waits 30 s more), a migration that fails during the RAM copy (F3),
# and a destination without a free VF (F4).

# %%
from teamkit.draw.timeline import timelines_dot
from teamkit.present.timeline import show_totals_side_by_side

failures = [simulate(domain, a.scenario) for a in applicable_scenarios(domain) if a.applicable
            and a.scenario != "happy"]
show_totals_side_by_side(failures)

# %%
Svg(timelines_dot(failures), "the failure scenarios side by side")

# %% [markdown]
# A primary on a bus that cannot hot-plug it (F5) cannot happen on q35, where libvirt gives every device a
# hot-pluggable root port. It can on machine `pc` without ACPI, where QEMU refuses to start at all:

# %%
pc_domain = parse_domain_string(domain_xml(PairDesign(machine="pc", acpi=False)))
show_steps(simulate(pc_domain, "primary-not-hotpluggable"))

# %% [markdown]
# ## Explore
#
# Pick a scenario, change the guest's RAM, its dirty rate, the migration bandwidth or the guest's hotplug mechanism.
# Then step through the events with *Previous* and *Next* (or the slider). At each step you see what every actor
# has done so far, and which NIC carries the traffic.

# %% tags=["nbval-ignore-output"]
from teamkit.widgets import MigrationExplorer

MigrationExplorer(domain)

# %% [markdown]
# **Next:** [5. Review your XML](05-review-your-xml.ipynb).
