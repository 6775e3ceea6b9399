"""Seeded random libvirt domains for differential testing: varied NICs, hostdevs, teaming, addresses and controllers.

Every domain is well-formed XML that the real-libvirt oracle can define (and, where its host allows, start): a unique
name, a fixed UUID, ``<domain type='qemu'>`` on x86_64. Networks come from ``tests/corpus/validate/networks/``. The
same ``(seed, index)`` always gives the same domain, so a disagreement can be reproduced from its name alone.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from lxml import etree

__all__ = ["NETWORKS_DIR", "GeneratedDomain", "generate", "generate_domain"]

NETWORKS_DIR: Final = Path(__file__).resolve().parent / "corpus" / "validate" / "networks"

#: host VFs the generated domains pass through (the oracle fakes each one in its private sysfs)
_VFS: Final = ((0, 3, 7, 1), (0, 3, 7, 2), (0, 3, 7, 3), (0, 4, 0x10, 0), (0, 4, 0x10, 1), (0, 5, 2, 0))
_GOOD_MACS: Final = ("00:11:22:33:44:55", "52:54:00:12:34:56", "00:16:3e:aa:bb:cc", "02:00:00:00:00:01",
                     "52:54:00:ab:cd:ef")
_BAD_MACS: Final = ("01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:11:22:33:44", "00:11:22:33:44:zz",
                    "00-11-22-33-44-55", "00:11:22:33:44:55:66", "")
_ODD_MACS: Final = ("00:11:22:33:44:5", "0:1:2:3:4:5", "00:11:22:33:44:55 ", "00:00:00:00:00:00", "AA:BB:CC:DD:EE:FE")
_MODELS: Final = (
    (None, 18), ("virtio", 40), ("virtio-transitional", 5), ("virtio-non-transitional", 4), ("e1000", 7),
    ("e1000e", 5), ("rtl8139", 5), ("VirtIO", 2), ("E1000", 1), ("vmxnet3", 1), ("ne2k_pci", 1), ("usb-net", 1),
    ("foo-nic", 1), ("vir tio", 1), ("", 1),
)
_TYPES: Final = (
    ("user", 22), ("bridge", 12), ("ethernet", 10), ("network", 16), ("direct", 6), ("hostdev", 26),
    ("vhostuser", 3), ("mcast", 1), ("udp", 1), ("server", 1), ("client", 1), ("vdpa", 1), ("null", 1),
    ("bogus", 1),
)
_NETWORKS: Final = ("default", "br-net", "hostdev-pool")


def _weighted(rng: random.Random, table: Sequence[tuple[object, int]]) -> object:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table], k=1)[0]


@dataclass(frozen=True)
class GeneratedDomain:
    """One generated case: its name (``dg<seed>-<index>``), its XML and the networks it names."""

    name: str
    xml: str
    seed: int
    index: int
    networks: tuple[str, ...] = ()


@dataclass
class _Plan:
    """A device's intended failover role, decided before its XML is written."""

    kind: str
    role: str
    alias: str | None = None
    mac: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


class _Builder:
    """Builds one domain from one random stream."""

    def __init__(self, rng: random.Random, name: str) -> None:
        self.rng = rng
        self.name = name
        self.q35 = False
        self.addresses: list[tuple[int, int, int]] = []
        self.vfs_used: list[tuple[int, int, int, int]] = []
        self.networks: list[str] = []
        self.buses: dict[int, str] = {}
        self.aliases: list[str] = []
        #: how often invalid choices are made: about half the domains are meant to be accepted and started
        self.noise = rng.choice((0.1, 0.25, 1.0, 1.5))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def bad(self, p: float) -> bool:
        """A choice that makes the domain invalid (or unstartable): rarer in the cleaner domains."""
        return self.rng.random() < p * self.noise

    # -- the domain ------------------------------------------------------------------------------------------------
    def domain(self) -> etree._Element:
        rng = self.rng
        root = etree.Element("domain", type="qemu")
        etree.SubElement(root, "name").text = self.name
        etree.SubElement(root, "uuid").text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        etree.SubElement(root, "memory", unit="MiB").text = "128"
        self.q35 = self.chance(0.55)
        machine = rng.choice(("q35", "pc-q35-7.2")) if self.q35 else rng.choice(("pc", "pc", "pc-i440fx-7.2"))
        os_el = etree.SubElement(root, "os")
        etree.SubElement(os_el, "type", arch="x86_64", machine=machine).text = "hvm"
        if self.chance(0.08):
            for dev in rng.sample(("network", "hd", "cdrom"), rng.randint(1, 2)):
                etree.SubElement(os_el, "boot", dev=dev)
        if self.chance(0.6):
            features = etree.SubElement(root, "features")
            etree.SubElement(features, "acpi")
        devices = etree.SubElement(root, "devices")
        for el in self.controllers():
            devices.append(el)
        plans = self.plans()
        for plan in plans:
            devices.append(self.interface(plan) if plan.kind == "interface" else self.hostdev(plan))
        if self.bad(0.05):
            devices.append(self.usb_hostdev())
        for el in self.others():
            devices.append(el)
        if len(devices) > 1 and self.chance(0.1):
            children = list(devices)
            rng.shuffle(children)
            devices[:] = children
        return root

    # -- devices that are neither NICs nor host devices, but take PCI slots (or USB ports) --------------------------
    def others(self) -> Iterator[etree._Element]:
        rng = self.rng
        if self.chance(0.15):
            yield etree.Element("memballoon", model=rng.choice(("none", "virtio", "virtio-transitional")))
        if self.chance(0.12):
            video = etree.Element("video")
            etree.SubElement(video, "model", type=rng.choice(("vga", "cirrus", "virtio", "bochs", "none")))
            yield video
        if self.chance(0.08):
            yield etree.Element("sound", model=rng.choice(("ich9", "ich6", "ac97", "es1370")))
        if self.chance(0.08):
            rng_el = etree.Element("rng", model="virtio")
            etree.SubElement(rng_el, "backend", model="random").text = "/dev/urandom"
            yield rng_el
        if self.chance(0.06):
            yield etree.Element("watchdog", model="i6300esb")
        if self.chance(0.08):
            yield etree.Element("input", type="tablet", bus=rng.choice(("usb", "virtio")))
        if self.chance(0.06):
            disk = etree.Element("disk", type="file", device="cdrom")
            etree.SubElement(disk, "target", dev="sda" if self.q35 else "hdc", bus="sata" if self.q35 else "ide")
            etree.SubElement(disk, "readonly")
            yield disk
        if self.chance(0.05):
            yield etree.Element("controller", type="virtio-serial")
        if self.chance(0.05):
            yield etree.Element("controller", type="scsi", model="virtio-scsi")

    # -- controllers -----------------------------------------------------------------------------------------------
    def controllers(self) -> Iterator[etree._Element]:
        rng = self.rng
        if self.chance(0.12):
            yield etree.Element("controller", type="usb", model="none")
        if not self.chance(0.3):
            return
        if self.q35:
            layout = rng.choices(("ports", "dmi", "switch"), (8, 1, 1))[0]
            if layout == "dmi":
                models = ["dmi-to-pci-bridge", "pci-bridge"]
            elif layout == "switch":
                models = ["pcie-root-port", "pcie-switch-upstream-port", "pcie-switch-downstream-port",
                          "pcie-switch-downstream-port"][:rng.randint(3, 4)]
            else:
                models = [rng.choices(("pcie-root-port", "pcie-to-pci-bridge", "pci-bridge"), (8, 1, 1))[0]
                          for _ in range(rng.randint(1, 3))]
                models[0] = "pcie-root-port"
            first = rng.choice((1, 1, 1, 2, 3))
            for index, model in enumerate(models, start=first):
                el = etree.Element("controller", type="pci", index=str(index), model=model)
                if model == "pcie-root-port" and self.chance(0.15):
                    slot, function = rng.choice(((2, 0), (3, 0), (2, 1), (4, 7), (1, 0)))
                    self.addresses.append((0, slot, function))
                    etree.SubElement(el, "address", type="pci", domain="0x0000", bus="0x00", slot=f"0x{slot:02x}",
                                     function=f"0x{function:x}")
                if model == "pcie-root-port" and self.chance(0.25):
                    etree.SubElement(el, "target", hotplug="off")
                self.buses[index] = model
                yield el
        else:
            for index in range(1, rng.choice((1, 1, 2)) + 1):
                el = etree.Element("controller", type="pci", index=str(index), model="pci-bridge")
                if self.chance(0.3):
                    slot = rng.randint(3, 8)
                    self.addresses.append((0, slot, 0))
                    etree.SubElement(el, "address", type="pci", domain="0x0000", bus="0x00", slot=f"0x{slot:02x}",
                                     function="0x0")
                self.buses[index] = "pci-bridge"
                yield el

    # -- roles -----------------------------------------------------------------------------------------------------
    def plans(self) -> list[_Plan]:
        rng = self.rng
        n_ifaces = rng.choices((0, 1, 2, 3, 4), (4, 18, 40, 24, 14))[0]
        n_hostdevs = rng.choices((0, 1, 2), (60, 32, 8))[0]
        plans = [_Plan("interface", "none") for _ in range(n_ifaces)]
        plans += [_Plan("hostdev", "none") for _ in range(n_hostdevs)]
        if not plans:
            return plans
        pairs = rng.choices((0, 1, 2), (25, 60, 15))[0]
        persistents: list[_Plan] = []
        ifaces = [p for p in plans if p.kind == "interface"]
        for k in range(pairs):
            candidates = [p for p in ifaces if p.role == "none"]
            if not candidates:
                break
            chosen = candidates[0] if self.chance(0.7) else rng.choice(candidates)
            chosen.role = "persistent"
            chosen.alias = f"ua-backup{k}"
            chosen.mac = rng.choice(_GOOD_MACS)
            persistents.append(chosen)
        for p in plans:
            if p.role != "none":
                continue
            if persistents and self.chance(0.75):
                target = rng.choice(persistents)
                p.role = "transient"
                p.extra["ref"] = target.alias
                p.mac = target.mac if self.chance(0.8) else rng.choice(_GOOD_MACS)
            elif self.bad(0.12):
                p.role = "odd"
        for n, p in enumerate(plans):
            if p.alias is None and self.chance(0.4):
                p.alias = f"ua-dev{n}"
        self.aliases = [p.alias for p in plans if p.alias]
        if len(plans) > 1 and self.chance(0.15):
            rng.shuffle(plans)
        return plans

    def mac(self, plan: _Plan) -> str | None:
        roll = self.rng.random()
        if roll < 0.06:
            return None
        if self.bad(0.05):
            return self.rng.choice(_BAD_MACS + _ODD_MACS)
        if roll < 0.08:
            return (plan.mac or self.rng.choice(_GOOD_MACS)).upper()
        return plan.mac or self.rng.choice(_GOOD_MACS)

    def alias(self, plan: _Plan) -> str | None:
        rng = self.rng
        roll = rng.random()
        if plan.alias is None:
            if self.bad(0.04) and self.aliases:
                return rng.choice(self.aliases)
            if roll < 0.06:
                return rng.choice(("net0", "hostdev0", "backup9", "ua-", "ua-x.y", "ua-net0", "ua-hostdev1"))
            return None
        if roll < 0.04:
            return plan.alias.removeprefix("ua-")
        if roll < 0.06:
            return plan.alias.replace("backup", "back.up")
        if roll < 0.07:
            return "UA-" + plan.alias[3:]
        if roll < 0.09:
            return None
        if self.bad(0.03) and self.aliases:
            return rng.choice(self.aliases)
        return plan.alias

    def teaming(self, plan: _Plan, parent: etree._Element) -> None:
        rng = self.rng
        if plan.role == "persistent":
            if self.bad(0.05):
                etree.SubElement(parent, "teaming", type="persistent", persistent=rng.choice(("ua-backup0", "")))
            elif self.bad(0.03):
                etree.SubElement(parent, "teaming", type=rng.choice(("Persistent", "none", "", " persistent")))
            else:
                etree.SubElement(parent, "teaming", type="persistent")
            if self.bad(0.03):
                etree.SubElement(parent, "teaming", type="transient", persistent="ua-backup1")
        elif plan.role == "transient":
            ref = str(plan.extra.get("ref") or "ua-backup0")
            if self.bad(0.05):
                etree.SubElement(parent, "teaming", type="transient")
            elif self.bad(0.03):
                etree.SubElement(parent, "teaming", type="transient", persistent="")
            elif self.chance(0.05):
                etree.SubElement(parent, "teaming", type="transient",
                                 persistent=rng.choice(("ua-nosuch", "net0", "backup0", "ua-back.up0", "UA-backup0")))
            elif self.bad(0.02):
                etree.SubElement(parent, "teaming", persistent=ref)
            else:
                etree.SubElement(parent, "teaming", type="transient", persistent=ref)
        elif plan.role == "odd":
            variant = rng.randrange(7)
            if variant == 0:
                etree.SubElement(parent, "teaming")
            elif variant == 1:
                etree.SubElement(parent, "teaming", type=rng.choice(("none", "foo", "TRANSIENT", "")))
            elif variant == 2:
                etree.SubElement(parent, "teaming", type="bogus", persistent="ua-backup0")
            elif variant == 3:
                etree.SubElement(parent, "teaming")
                etree.SubElement(parent, "teaming", type="persistent")
            elif variant == 4:
                etree.SubElement(parent, "teaming", type="transient", persistent="ua-backup0")
            elif variant == 5:
                etree.SubElement(parent, "teaming", type="persistent")
            else:
                etree.SubElement(parent, "teaming", persistent="")

    # -- addresses -------------------------------------------------------------------------------------------------
    def guest_address(self, parent: etree._Element) -> None:
        rng = self.rng
        if not self.chance(0.2):
            return
        if self.bad(0.03):
            etree.SubElement(parent, "address", type=rng.choice(("unassigned", "usb")))
            return
        free = [n for n in range(3, 0x1E) if (0, n, 0) not in self.addresses]
        bus, slot, function = 0, rng.choice(free), 0
        multifunction: str | None = None
        if self.bad(0.12) and self.addresses:
            bus, slot, function = rng.choice(self.addresses)
        elif self.bad(0.08):
            slot = rng.choice((0x20, 0x1F, 0, 1, 2))
        elif self.bad(0.04):
            function = rng.choice((8, 1))
        elif self.chance(0.2) and self.buses:
            bus = rng.choice(list(self.buses))
            slot = 0 if self.buses[bus] == "pcie-root-port" else rng.randint(1, 4)
            if self.bad(0.2):
                slot = 1 - min(slot, 1)
        elif self.bad(0.05):
            bus = rng.choice((5, 0x20))
            slot = 0 if self.q35 else 1
        elif self.chance(0.05):
            multifunction = "on"
        elif self.chance(0.08) and self.addresses:
            bus, slot, function = rng.choice(self.addresses)
            function = min(function + 1, 7)
        attrs = {"type": "pci", "domain": "0x0000" if not self.bad(0.03) else "0x0001", "bus": f"0x{bus:02x}",
                 "slot": f"0x{slot:02x}", "function": f"0x{function:x}"}
        if multifunction:
            attrs["multifunction"] = multifunction
        self.addresses.append((bus, slot, function))
        etree.SubElement(parent, "address", attrs)

    def vf(self) -> tuple[int, int, int, int]:
        if self.vfs_used and self.bad(0.06):
            return self.rng.choice(self.vfs_used)
        free = [v for v in _VFS if v not in self.vfs_used] or list(_VFS)
        chosen = self.rng.choice(free)
        self.vfs_used.append(chosen)
        return chosen

    def source_address(self, parent: etree._Element, *, with_type: bool) -> None:
        d, b, s, f = self.vf()
        attrs = {"domain": f"0x{d:04x}", "bus": f"0x{b:02x}", "slot": f"0x{s:02x}", "function": f"0x{f:x}"}
        if self.bad(0.02):
            attrs["slot"] = "0x20"
        if with_type:
            attrs = {"type": "pci", **attrs}
        etree.SubElement(parent, "address", attrs)

    # -- interfaces ------------------------------------------------------------------------------------------------
    def iface_type(self, plan: _Plan) -> str:
        rng = self.rng
        if plan.role == "persistent" and not self.bad(0.15):
            return str(_weighted(rng, (("user", 40), ("bridge", 20), ("ethernet", 15), ("network", 15),
                                       ("direct", 8), ("vhostuser", 2))))
        if plan.role == "transient" and not self.bad(0.15):
            return str(_weighted(rng, (("hostdev", 70), ("network", 30))))
        if self.noise < 1:
            return str(_weighted(rng, (("user", 30), ("bridge", 15), ("ethernet", 10), ("hostdev", 30),
                                       ("network", 10), ("direct", 3))))
        return str(_weighted(rng, _TYPES))

    def interface(self, plan: _Plan) -> etree._Element:
        rng = self.rng
        kind = self.iface_type(plan)
        el = etree.Element("interface", type=kind)
        if kind == "hostdev" and not self.chance(0.1):
            el.set("managed", rng.choice(("yes", "yes", "no")))
        if kind == "ethernet" and self.chance(0.05):
            el.set("managed", "no")
        if self.chance(0.03):
            el.set("trustGuestRxFilters", rng.choice(("yes", "no")))
        mac = self.mac(plan)
        if mac is not None:
            etree.SubElement(el, "mac", address=mac)
        self.iface_source(el, kind, plan)
        if self.bad(0.06) or (kind == "hostdev" and self.chance(0.04)):
            vlan = etree.SubElement(el, "vlan")
            etree.SubElement(vlan, "tag", id=str(rng.choice((42, 100))))
        if kind == "bridge" and self.bad(0.05):
            etree.SubElement(el, "virtualport", type="openvswitch")
        if self.bad(0.05):
            bw = etree.SubElement(el, "bandwidth")
            etree.SubElement(bw, "inbound", average="1000")
        model = self.model(kind, plan)
        if model is not None:
            etree.SubElement(el, "model", type=model)
        self.driver(el, model)
        self.teaming(plan, el)
        if self.chance(0.05):
            state = "sideways" if self.bad(0.2) else rng.choice(("up", "down", "down"))
            etree.SubElement(el, "link", state=state)
        if (kind in ("network", "bridge", "ethernet") and self.chance(0.08)) or self.bad(0.04):
            size = rng.choice(("abc", "0", "-1")) if self.bad(0.15) else rng.choice(("1500", "9000", "9000"))
            etree.SubElement(el, "mtu", size=size)
        if (kind in ("network", "bridge") and self.chance(0.05)) or self.bad(0.03):
            co = etree.SubElement(el, "coalesce")
            etree.SubElement(etree.SubElement(co, "rx"), "frames", max="7")
        self.boot(el)
        alias = self.alias(plan)
        if alias is not None:
            etree.SubElement(el, "alias", name=alias)
        self.rom(el)
        self.guest_address(el)
        return el

    def iface_source(self, el: etree._Element, kind: str, plan: _Plan) -> None:
        rng = self.rng
        if self.bad(0.02):
            return
        if kind == "bridge":
            etree.SubElement(el, "source", bridge=rng.choice(("tkbr0", "tkbr0", "tkbr1")))
        elif kind == "ethernet":
            if self.chance(0.5):
                managed = "no" if self.chance(0.1) else None
                attrs = {"dev": rng.choice(("tktap0", "tktap1", "tktap2", "vnet7", "macvtap3"))}
                if managed:
                    attrs["managed"] = managed
                etree.SubElement(el, "target", attrs)
        elif kind == "network":
            if plan.role == "transient" and self.chance(0.7):
                name = "hostdev-pool"
            elif plan.role == "persistent" and self.chance(0.8):
                name = "default"
            else:
                name = rng.choice(_NETWORKS)
            if self.bad(0.02):
                name = "no-such-net"
            self.networks.append(name)
            etree.SubElement(el, "source", network=name)
        elif kind == "direct":
            mode = "bogus" if self.bad(0.1) else rng.choice(("bridge", "vepa", "private", "passthrough", "bridge"))
            etree.SubElement(el, "source", dev="eth0", mode=mode)
        elif kind == "hostdev":
            if self.bad(0.03):
                source = etree.SubElement(el, "source")
                etree.SubElement(source, "vendor", id="0x1234")
                etree.SubElement(source, "product", id="0xbeef")
                return
            source = etree.SubElement(el, "source")
            self.source_address(source, with_type=not self.bad(0.03))
        elif kind == "vhostuser":
            etree.SubElement(el, "source", type="unix", path=f"/run/tk-vhost{rng.randint(0, 3)}.sock", mode="client")
        elif kind in ("mcast", "client"):
            etree.SubElement(el, "source", address="230.0.0.1", port="5558")
        elif kind == "server":
            etree.SubElement(el, "source", port="5558")
        elif kind == "udp":
            source = etree.SubElement(el, "source", address="127.0.0.1", port="5558")
            if not self.bad(0.2):
                etree.SubElement(source, "local", address="127.0.0.1", port="5559")
        elif kind == "vdpa":
            etree.SubElement(el, "source", dev="/dev/vhost-vdpa-0")

    def model(self, kind: str, plan: _Plan) -> str | None:
        rng = self.rng
        if kind == "hostdev" and self.chance(0.85):
            return None
        if kind == "vhostuser" and not self.bad(0.2):
            return "virtio"
        if plan.role == "persistent" and not self.bad(0.25):
            return rng.choice(("virtio", "virtio", "virtio", "virtio-transitional", "virtio-non-transitional"))
        value = _weighted(rng, _MODELS)
        if value is not None and str(value) in ("foo-nic", "vir tio", "usb-net") and not self.bad(1.0):
            value = "virtio"
        return None if value is None else str(value)

    def driver(self, el: etree._Element, model: str | None) -> None:
        rng = self.rng
        if not self.chance(0.18):
            return
        attrs: dict[str, str] = {}
        virtio = model in ("virtio", "virtio-transitional", "virtio-non-transitional")
        if self.chance(0.4):
            names = ("vhost", "qemu") if virtio else ("vfio",)
            attrs["name"] = rng.choice(("vhost", "qemu", "vfio", "kvm", "xen")) if self.bad(0.4) else rng.choice(names)
        if self.chance(0.4):
            attrs["queues"] = str(rng.choice((1, 2, 4, 0)))
        if self.chance(0.3):
            attrs["rx_queue_size"] = str(rng.choice((256, 512, 1024, 0) + ((300,) if self.bad(0.5) else ())))
        if self.chance(0.3):
            attrs["tx_queue_size"] = str(rng.choice((256, 512) + ((300,) if self.bad(0.5) else ())))
        if self.chance(0.15):
            attrs["txmode"] = rng.choice(("iothread", "timer", "bogus") if self.bad(0.5) else ("iothread", "timer"))
        if self.chance(0.25) and (virtio or self.bad(0.5)):
            for key in rng.sample(("ioeventfd", "event_idx", "iommu", "packed", "ats", "page_per_vq", "rss",
                                   "rss_hash_report"), rng.randint(1, 3)):
                attrs[key] = rng.choice(("on", "off", "maybe") if self.bad(0.3) else ("on", "off"))
        driver = etree.SubElement(el, "driver", attrs)
        if self.chance(0.15):
            keys = rng.sample(("csum", "gso", "tso4", "tso6", "ecn", "ufo", "mrg_rxbuf"), rng.randint(1, 3))
            etree.SubElement(driver, "host", {k: rng.choice(("on", "off")) for k in keys})
        if self.chance(0.1):
            keys = rng.sample(("csum", "tso4", "tso6", "ecn", "ufo"), rng.randint(1, 2))
            etree.SubElement(driver, "guest", {k: rng.choice(("on", "off")) for k in keys})

    def boot(self, el: etree._Element) -> None:
        if self.chance(0.1):
            etree.SubElement(el, "boot", order=str(self.rng.choice((1, 1, 2, 3))))
        if self.chance(0.03):
            etree.SubElement(el, "acpi", index=str(self.rng.choice((1, 2, 0) if self.bad(0.3) else (1, 2))))

    def rom(self, el: etree._Element) -> None:
        rng = self.rng
        if not self.chance(0.06):
            return
        attrs: dict[str, str] = {}
        roll = rng.random()
        if self.bad(0.15):
            attrs = {"enabled": "no", "bar": "off"}
        elif self.bad(0.1):
            attrs["bar"] = "maybe"
        elif roll < 0.7:
            attrs["bar"] = rng.choice(("on", "off"))
        elif roll < 0.85:
            attrs["enabled"] = "no"
        else:
            attrs = {"bar": "on", "file": "/usr/share/qemu/pxe-virtio.rom"}
        etree.SubElement(el, "rom", attrs)

    # -- host devices ----------------------------------------------------------------------------------------------
    def hostdev(self, plan: _Plan) -> etree._Element:
        rng = self.rng
        el = etree.Element("hostdev", mode="subsystem", type="pci")
        managed = rng.choice(("yes", "yes", "no", None))
        if managed is not None:
            el.set("managed", managed)
        if self.bad(0.04):
            el.set("type", rng.choice(("usb", "scsi", "bogus")))
        if self.bad(0.02):
            el.set("mode", "capabilities")
            el.set("type", "net")
        source = etree.SubElement(el, "source")
        if el.get("type") == "usb":
            etree.SubElement(source, "vendor", id="0x1234")
            etree.SubElement(source, "product", id="0xbeef")
        elif el.get("type") == "scsi":
            etree.SubElement(source, "adapter", name="scsi_host0")
            etree.SubElement(source, "address", bus="0", target="0", unit=str(rng.randint(0, 3)))
        elif el.get("mode") == "capabilities":
            etree.SubElement(source, "interface").text = "eth0"
        else:
            self.source_address(source, with_type=self.chance(0.5))
        if self.chance(0.08):
            etree.SubElement(el, "driver", name=rng.choice(("kvm", "xen")) if self.bad(0.3) else "vfio")
        self.teaming(plan, el)
        self.boot(el)
        alias = self.alias(plan)
        if alias is not None:
            etree.SubElement(el, "alias", name=alias)
        self.rom(el)
        self.guest_address(el)
        return el

    def usb_hostdev(self) -> etree._Element:
        el = etree.Element("hostdev", mode="subsystem", type="usb")
        source = etree.SubElement(el, "source")
        etree.SubElement(source, "vendor", id="0x1234")
        etree.SubElement(source, "product", id="0xbeef")
        if self.chance(0.5):
            etree.SubElement(el, "teaming", type="transient", persistent="ua-backup0")
        return el


def generate_domain(seed: int, index: int) -> GeneratedDomain:
    """Domain number ``index`` of the stream ``seed`` (independent of the other indexes)."""
    rng = random.Random(f"teamkit-differential-{seed}-{index}")
    name = f"dg{seed}-{index}"
    builder = _Builder(rng, name)
    root = builder.domain()
    etree.indent(root, space="  ")
    xml = etree.tostring(root, encoding="unicode") + "\n"
    return GeneratedDomain(name=name, xml=xml, seed=seed, index=index,
                           networks=tuple(dict.fromkeys(builder.networks)))


def generate(count: int, seed: int, *, start: int = 0) -> list[GeneratedDomain]:
    """``count`` domains of the stream ``seed``, from index ``start``."""
    return [generate_domain(seed, i) for i in range(start, start + count)]
