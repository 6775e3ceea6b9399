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
# # 5. Review your own XML
#
# Bring a domain: a file (for example from `virsh dumpxml --inactive`), or XML pasted into a cell. If it names
# libvirt networks, bring their definitions too (`virsh net-dumpxml NAME`). Without them teamkit cannot tell what an
# `<interface type='network'>` becomes when the domain starts.
#
# Here we review `examples/web01.xml`, a web server with two pairs. Its VF pool is `examples/hostdev-pool.xml`.

# %%
from teamkit.design import evaluate
from teamkit.libvirt.parse import parse_domain_file, parse_network_file

DOMAIN_FILE = "examples/web01.xml"
networks = {n.name: n for n in [parse_network_file("examples/hostdev-pool.xml")]}
review = evaluate(parse_domain_file(DOMAIN_FILE), networks=networks)

# %% [markdown]
# ## libvirt's verdict and teamkit's advisories

# %%
from teamkit.present import show_findings

show_findings(review.findings)

# %% [markdown]
# libvirt accepts the domain, but the second pair is broken. Its virtio NIC's alias `backup1` has no `ua-` prefix, so
# libvirt drops it and calls the NIC `net0`. The VF still names `backup1` in `failover_pair_id`, so QEMU finds no
# standby with that id. It does not hide the VF, and the pair never fails over. You can see it in the arguments:

# %%
print(review.argv_text())

# %% [markdown]
# ## The device graph

# %%
from teamkit.present import Svg

Svg(review.graph_dot(), "the device graph of web01")

# %% [markdown]
# ## What the guest sees, and which migrations can happen

# %%
from teamkit.failover import guest_view
from teamkit.present.guest import show_guest_view

show_guest_view(guest_view(review.domain))

# %%
from teamkit.failover import applicable_scenarios
from teamkit.present.timeline import show_applicability

show_applicability(applicable_scenarios(review.domain))

# %% [markdown]
# ## The review page
#
# `teamkit review` writes all of this (findings, arguments, graph and every migration timeline that applies) into one
# self-contained HTML page to attach to a design review. Here it goes to `artifacts/` next to this notebook. An
# existing page is replaced, because this notebook made it.

# %%
from pathlib import Path

from teamkit.io import write_atomic
from teamkit.views.cli_review import review_page

page = Path("artifacts") / "web01-review.html"
page.parent.mkdir(exist_ok=True)
write_atomic(page, review_page(review.domain, path=DOMAIN_FILE, networks=networks), force=True)
print(f"wrote {page}")

# %% [markdown]
# ## Your turn
#
# Paste a domain between the triple quotes and run the cell. `TeamingBuilder.from_xml` loads it into the builder
# from notebook 2, and lists anything the controls cannot show. To review a file instead, set `DOMAIN_FILE` above
# and run the notebook again.

# %% tags=["nbval-ignore-output"]
from teamkit.widgets import TeamingBuilder

MY_DOMAIN = """
<domain type='kvm'>
  <name>mine</name>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <interface type='bridge'>
      <mac address='52:54:00:11:22:33'/>
      <source bridge='br0'/>
      <model type='virtio'/>
      <teaming type='persistent'/>
      <alias name='ua-backup0'/>
    </interface>
    <hostdev mode='subsystem' type='pci' managed='no'>
      <source><address domain='0x0000' bus='0x03' slot='0x10' function='0x1'/></source>
      <teaming type='transient' persistent='ua-backup0'/>
    </hostdev>
  </devices>
</domain>
"""
TeamingBuilder.from_xml(MY_DOMAIN)

# %% [markdown]
# **Next:** [6. Across versions](06-across-versions.ipynb).
