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
# # 6. Across versions
#
# The same domain XML does not give the same QEMU command line everywhere. libvirt asks QEMU what it supports and
# writes the arguments to match. This notebook takes one pair through QEMU 6.2, 7.0 and the newest QEMU that libvirt
# knows. It then shows what changed in libvirt itself.

# %%
from teamkit.design import PairDesign, domain_xml
from teamkit.libvirt.parse import parse_domain_string

XML = domain_xml(PairDesign(transient="plain-hostdev"))
domain = parse_domain_string(XML)
print(XML)

# %% [markdown]
# ## The same XML for three QEMU versions
#
# - **QEMU 6.2**: `-device` and `-netdev` in the legacy `key=value` syntax: `failover=on` and
#   `failover_pair_id=ua-backup0`.
# - **QEMU 7.0**: libvirt writes `-device` as JSON (`"failover":true`), while `-netdev` keeps the legacy syntax.
# - **QEMU 7.2 and later**: `-netdev` is JSON too.

# %%
from teamkit.present.versions import show_argv_across_versions

show_argv_across_versions(domain, ["6.2", "7.0", "latest"])

# %% [markdown]
# Before QEMU 4.2 there was no failover at all. libvirt 6.1 to 8.6 refused such a domain with a capability error,
# and libvirt 8.7 and later no longer support QEMU that old:

# %%
from teamkit.design import evaluate
from teamkit.present import show_findings
from teamkit.qemu import QemuVersion

show_findings(evaluate(domain, qemu=QemuVersion.parse("4.1")).findings)

# %% [markdown]
# ## What changed in libvirt
#
# - **6.1.0** (2020-03-03): `<teaming>` on `<interface>`, with the rules that come with it (the teaming type, the
#   `persistent=` reference, a virtio persistent NIC, a hostdev or network transient NIC), and migration allowed
#   with a transient hostdev.
# - **7.1.0** (2021-03-01): `<teaming>` on a plain `<hostdev>`, as in the XML above. It is for VFs whose MAC libvirt
#   cannot set (for example when libvirt runs unprivileged), so the administrator sets the MAC on the PF. teamkit
#   reminds you (`vf-mac-admin`).
# - **8.7.0**: QEMU older than 4.2 is no longer supported, so the capability error is gone.
# - **11.2.0** and **12.4.0**: the oldest QEMU libvirt accepts becomes 6.2, then 7.2. From 12.4.0 the arguments are
#   always JSON.
#
# The rules that came (or went) with a release, from teamkit's message table:

# %%
from teamkit.present.versions import show_rules_by_version

show_rules_by_version()

# %% [markdown]
# And every release on one page:

# %%
from teamkit.present.versions import show_milestones

show_milestones("libvirt")

# %%
show_milestones("QEMU")

# %% [markdown]
# To check a real domain from the shell, use `teamkit validate`, `teamkit argv`, `teamkit review` and
# `teamkit smoke` (see `teamkit --help`).
#
# **Next:** [7. A real migration, measured](07-real-migration-lab.ipynb).
