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
# # 3. What libvirt checks
#
# When a domain has a mistake, libvirt stops at the **first** error it finds and prints one message, such as
# `unsupported configuration: unknown teaming type 'standby'`. This gallery shows every rule teamkit knows. For
# each one it gives the smallest domain that breaks the rule, the exact message, why the rule exists and how to fix
# it.
#
# Nothing below is written by hand. The gallery is generated from teamkit's table of libvirt's messages
# (`teamkit/libvirt/messages.py`) and its minimal examples (`teamkit/libvirt/examples.py`). Each example is checked
# when this notebook runs, so every message shown is the one teamkit reports for that example today.
#
# libvirt checks in stages:
#
# - **parse**: while reading the XML (a malformed MAC, an unknown teaming type, a PCI slot above 0x1f);
# - **define**: after parsing, when `virsh define` validates the whole domain (a transient member without
#   `persistent=`, a non-virtio persistent NIC, two devices on one PCI address);
# - **start**: only when `virsh start` resolves networks and prepares the host devices (a transient NIC whose network
#   is not a VF pool).
#
# Then come teamkit's **advisories**: libvirt accepts the domain, but the pair will not work as intended (the MACs
# differ, the VF sits on a bus that cannot hot-plug, the alias is one libvirt silently drops, …).
#
# Open *minimal failing domain* under a rule to see its XML.

# %%
from teamkit.present.gallery import show_gallery, show_gallery_overview

show_gallery_overview()

# %% [markdown]
# Some PCI rules have no example. libvirt raises them only for addresses it chose itself, or only when a device
# is hot-plugged. Each one says why.
#
# ## Parse errors

# %%
show_gallery("parse")

# %% [markdown]
# ## Define errors

# %%
show_gallery("define")

# %% [markdown]
# ## Start errors

# %%
show_gallery("start")

# %% [markdown]
# ## teamkit's advisories

# %%
show_gallery("advisory")

# %% [markdown]
# ## Try one yourself
#
# Each example is an ordinary domain: check it again, change it, and see the verdict move.

# %%
from teamkit.libvirt.examples import EXAMPLES, example_findings
from teamkit.present import show_findings

example = EXAMPLES["teaming-persistent-not-virtio"]
print(example.domain_xml)
show_findings(example_findings(example))

# %% [markdown]
# **Next:** [4. The migration timeline](04-migration-timeline.ipynb): what happens to the pair during a live
# migration.
