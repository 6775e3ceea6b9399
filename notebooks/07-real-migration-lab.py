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
# # 7. A real migration, measured
#
# Notebook 4 showed the model of a failover live migration. Here we run the real thing on this machine and put the
# two side by side.
#
# **The lab.** The guest is a real Debian kernel with a busybox userland in an initramfs. It boots under QEMU with
# TCG (no KVM needed). It has a failover pair:
#
# - the **standby**: `virtio-net-pci` with `failover=on`, on its own PCIe root port;
# - the **primary**: an emulated PCIe NIC (vmxnet3 by default) with `failover_pair_id` pointing at the standby, on a
#   second root port. It stands in for the SR-IOV VF, which a lab without SR-IOV hardware cannot have. Both NICs
#   carry the same MAC, so the guest's `net_failover` driver bonds them.
#
# A second QEMU waits with `-incoming` on 127.0.0.1, and the source migrates to it over loopback. Every QMP event of
# both QEMUs, the guest's kernel messages and a continuous ping are recorded on one host clock (t = 0 is the
# `migrate` command). The recording becomes a timeline in the same format as the model's, so the two can be compared
# event by event.
#
# Each experiment takes 10–25 s: most of it is the guest booting under TCG. The lab needs `qemu-system-x86_64`,
# and Debian's `apt-get` and `dpkg-deb` to build the guest image. Without them the cells below say so, and the rest
# of the notebook still runs.

# %% [markdown]
# ## The guest image
#
# The image is built from two Debian packages: the kernel `linux-image-amd64` points to, and `busybox-static`.
# `apt-get download` fetches them without root, and nothing is installed. teamkit takes the kernel, the virtio and
# failover modules (and the primary's driver) out of the package and builds the initramfs. The result is cached in
# `~/.cache/teamkit/lab` for these package versions. On Binder it was already built with the image, so this cell
# only finds it.

# %% tags=["nbval-ignore-output"]
from teamkit.present.lab import prepare_lab_image

image = prepare_lab_image()

# %% [markdown]
# ## The happy path, live
#
# The guest boots on the source, bonds the pair, and starts pinging. Then the migration starts: QEMU asks the guest
# to unplug the primary, the guest releases it, traffic falls back to virtio while the RAM is copied, the VM pauses
# for the last copy, and on the destination the guest gets a new primary and enslaves it again. The progress lines
# appear as it happens.

# %% tags=["nbval-ignore-output"]
from teamkit.present.lab import run_experiment

happy = run_experiment("happy", image)

# %% [markdown]
# The model on the left, the measurement on the right. The model is simulated for the lab's own setup: no libvirt
# (the lab drives QEMU directly), ACPI hotplug, and the primary's measured unplug and link-up times.

# %%
from teamkit.present.lab import show_side_by_side

show_side_by_side(happy)

# %% [markdown]
# ### Do they agree?
#
# For each actor, take the events both timelines have, and compare their order. This is what the comparison
# promises: the order of events is a property of QEMU, the guest kernel and the protocol, not of the machine.

# %%
from teamkit.present.lab import show_order_agreement

show_order_agreement(happy)

# %% [markdown]
# Some events only one side has. The model includes steps the lab cannot observe (the guest's ACPI eject, the
# destination's announce), and the lab sees details the model leaves out (the primary's link coming up in the
# guest).

# %% tags=["nbval-ignore-output"]
from teamkit.present.lab import show_unshared

show_unshared(happy)

# %% [markdown]
# ### The durations
#
# The durations differ, and they are expected to. These numbers change from run to run, so they are not checked.

# %% tags=["nbval-ignore-output"]
from teamkit.present.lab import show_durations

show_durations(happy)

# %% [markdown]
# Why the durations differ:
#
# - **The time in `wait-unplug`** is QEMU's own polling: it checks every 250 ms. The model and the lab agree
#   exactly here unless the guest takes longer than one poll to release the primary.
# - **Precopy and downtime** depend on how much RAM is dirty and how fast it moves. The lab copies 512 MiB over
#   loopback, with both QEMUs and the TCG vCPU sharing a few host cores with everything else running. A busy host
#   stretches the copy, so precopy and downtime can be tens of milliseconds off either way.
# - **The primary's return** depends on the guest: after `RESUME` the emulated guest must handle the ACPI hotplug
#   notification, probe the new NIC and enslave it. Under TCG every instruction is emulated, so this varies with
#   host load.
# - **The model's defaults** come from a set of measurements on a lab guest. They describe a typical run, not this
#   one.
#
# The order of events does not depend on any of this, which is why the order is what the comparison checks.

# %% [markdown]
# ## A failure path: a guest without failover
#
# Now the guest loads no `net_failover` (and so no `virtio_net`, which needs it). The standby never negotiates
# `VIRTIO_NET_F_STANDBY`, so QEMU never plugs the primary: there is no `FAILOVER_NEGOTIATED`, no `UNPLUG_PRIMARY`,
# no `wait-unplug`. The migration is a plain one. The model's `guest-no-failover` scenario predicts the same.

# %% tags=["nbval-ignore-output"]
no_failover = run_experiment("guest-no-failover", image)

# %%
show_side_by_side(no_failover)

# %%
show_order_agreement(no_failover)

# %% tags=["nbval-ignore-output"]
show_durations(no_failover)

# %% [markdown]
# Without the unplug step, the migration is shorter than the happy path's. But the guest has no network at all: no
# NIC driver is bound, so there is no traffic to fail over.
#
# ## Both experiments

# %%
from teamkit.present.lab import show_verdicts

show_verdicts({"happy": happy, "guest-no-failover": no_failover})

# %% [markdown]
# The same experiments, and five more (native PCIe hotplug, a guest that never ejects, a late eject, a primary on
# a bus that cannot hot-plug it), run from the shell:
#
# ```
# teamkit lab prepare
# teamkit lab run --scenario pcie-native -o pcie.json
# teamkit lab compare pcie.json -o side.svg
# ```
#
# `teamkit lab run --help` lists them all.
