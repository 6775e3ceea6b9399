"""teamkit smoke: the pure command builder and interpreter, and real QEMU's verdicts on the accept/reject matrix."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from teamkit.cli import main
from teamkit.errors import TeamkitError, ToolMissingError
from teamkit.libvirt.parse import parse_domain_file, parse_network_file
from teamkit.qemu import qmp
from teamkit.qemu.qmp import find_qemu, run_qemu, smoke_domain
from teamkit.qemu.smoke import (
    QemuObservation,
    SmokeCommand,
    SmokeRefusal,
    SmokeResult,
    build_smoke_command,
    interpret,
    libvirt_argv_standalone,
    parse_device_arg,
    parse_version_banner,
    qemu_error_line,
)
from teamkit.qemu.version import QemuVersion
from tests.xmlbuild import PERSISTENT, TRANSIENT_HOSTDEV_IFACE, TRANSIENT_PLAIN_HOSTDEV, domain_xml

__all__: list[str] = []

REPO = Path(__file__).resolve().parents[1]
ARGV_NETWORKS = REPO / "tests" / "corpus" / "argv" / "networks"
QEMU = shutil.which("qemu-system-x86_64")
needs_qemu = pytest.mark.skipif(QEMU is None,
                                reason="qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
Q72 = QemuVersion(7, 2, 22)

# ---- QEMU 7.2's exact messages: its documented accept/reject matrix for failover pairs -------------------------
NO_HOST_DEVICE = "vfio /sys/bus/pci/devices/0000:03:07.1: no such host device: No such file or directory"
PCI0_NO_HOTPLUG = "Bus 'pci.0' does not support hotplugging"
TWO_PRIMARIES = "Cannot attach more than one primary device to 'ua-backup0': 'ua-backup1' and 'ua-backup2'"


def _iface_vf(function: int, ref: str, alias: str | None = None) -> str:
    alias_el = f"<alias name='{alias}'/>" if alias else ""
    return f"""<interface type='hostdev' managed='yes'>
  <mac address='00:11:22:33:44:55'/>
  <source><address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x{function:x}'/></source>
  <teaming type='transient' persistent='{ref}'/>{alias_el}
</interface>"""


def _persistent(alias: str, *, teaming: bool = True) -> str:
    team = "<teaming type='persistent'/>" if teaming else ""
    return f"""<interface type='user'>
  <mac address='00:11:22:33:44:55'/>
  <model type='virtio'/>{team}
  <alias name='{alias}'/>
</interface>"""


#: libvirt's own tests/qemuxml2argvdata/net-virtio-teaming.xml (libvirt 9.0): machine pc, no <features><acpi/>
NET_VIRTIO_TEAMING = """<domain type='qemu'>
  <name>QEMUGuest1</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>219100</memory>
  <currentMemory unit='KiB'>219100</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='i686' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>{features}
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='block' device='disk'>
      <source dev='/dev/HostVG/QEMUGuest1'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <controller type='usb' index='0'/>
    <interface type='user'>
      <mac address='00:11:22:33:44:55'/>
      <model type='virtio'/>
      <teaming type='persistent'/>
      <alias name='ua-backup0'/>
    </interface>
    <interface type='user'>
      <mac address='66:44:33:22:11:00'/>
      <model type='virtio'/>
      <teaming type='persistent'/>
      <alias name='ua-backup1'/>
    </interface>
    <interface type='hostdev' managed='yes'>
      <mac address='00:11:22:33:44:55'/>
      <source>
        <address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x1'/>
      </source>
      <teaming type='transient' persistent='ua-backup0'/>
    </interface>
    <interface type='hostdev' managed='yes'>
      <mac address='66:44:33:22:11:00'/>
      <source>
        <address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x2'/>
      </source>
      <teaming type='transient' persistent='ua-backup1'/>
    </interface>
    <memballoon model='virtio'/>
  </devices>
</domain>
"""

NETWORK_POOL = domain_xml(
    """<interface type='network'>
  <mac address='52:54:00:6d:90:01'/>
  <source network='default'/>
  <model type='virtio'/>
  <teaming type='persistent'/>
  <alias name='ua-backup0'/>
</interface>""",
    """<interface type='network'>
  <mac address='52:54:00:6d:90:01'/>
  <source network='hostpool'/>
  <teaming type='transient' persistent='ua-backup0'/>
</interface>""")


def _write(tmp_path: Path, text: str, name: str = "d.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _build(text: str, tmp_path: Path, networks: tuple[str, ...] = ()) -> SmokeCommand | SmokeRefusal:
    nets = [parse_network_file(str(ARGV_NETWORKS / f"{n}.xml")) for n in networks]
    return build_smoke_command(parse_domain_file(str(_write(tmp_path, text))), networks=nets, qemu=Q72)


def _command(text: str, tmp_path: Path, networks: tuple[str, ...] = ()) -> SmokeCommand:
    built = _build(text, tmp_path, networks)
    assert isinstance(built, SmokeCommand), built
    return built


def _option(args: tuple[str, ...], name: str) -> list[str]:
    return [args[i + 1] for i in range(len(args) - 1) if args[i] == name]


# ---- the pure part: no QEMU needed -----------------------------------------------------------------------------------


class TestParsing:
    def test_json_device(self) -> None:
        d = parse_device_arg('{"driver":"virtio-net-pci","failover":true,"netdev":"n","id":"ua-b0","bus":"pci.1"}', 3)
        assert (d.position, d.driver, d.id, d.bus, d.failover, d.failover_pair_id) == (
            3, "virtio-net-pci", "ua-b0", "pci.1", True, None)
        assert d.is_virtio_net

    def test_legacy_device_with_doubled_commas(self) -> None:
        d = parse_device_arg("vfio-pci,host=0000:03:07.1,id=a,,b,failover_pair_id=ua-b0")
        assert (d.driver, d.id, d.host, d.failover_pair_id, d.failover) == (
            "vfio-pci", "a,b", "0000:03:07.1", "ua-b0", None)

    def test_error_line_strips_timestamp_program_and_warnings(self) -> None:
        stderr = ("2026-01-01T00:00:00.000000Z qemu-system-x86_64: warning: nic prim has no peer\n"
                  "2026-01-01T00:00:00.000001Z qemu-system-x86_64: -device x: " + PCI0_NO_HOTPLUG + "\n")
        assert qemu_error_line(stderr) == "-device x: " + PCI0_NO_HOTPLUG
        assert qemu_error_line("") is None

    def test_version_banner(self) -> None:
        assert parse_version_banner("QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2)") == QemuVersion(10, 0, 2)
        assert parse_version_banner("not qemu") is None


class TestBuild:
    def test_i440fx_without_acpi_gets_acpi_off(self, tmp_path: Path) -> None:
        c = _command(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE, machine="pc", features=""), tmp_path)
        assert _option(c.args, "-machine") == ["pc,acpi=off"]
        assert not c.acpi
        for flag in ("-S", "-nodefaults", "-no-user-config"):
            assert flag in c.args
        assert _option(c.args, "-accel") == ["tcg"] and _option(c.args, "-display") == ["none"]

    def test_acpi_feature_keeps_acpi(self, tmp_path: Path) -> None:
        c = _command(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE, machine="pc"), tmp_path)
        assert _option(c.args, "-machine") == ["pc"]

    def test_q35_has_libvirts_root_ports_and_nic_before_vf(self, tmp_path: Path) -> None:
        c = _command(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE), tmp_path)
        drivers = [d.driver for d in c.devices]
        assert drivers[0] == "pcie-root-port"
        assert drivers.index("virtio-net-pci") < drivers.index("vfio-pci")
        vf = c.device("ua-backup0")
        assert vf is not None and vf.failover is True
        assert [p.failover_pair_id for p in c.primaries] == ["ua-backup0"]
        buses = {d.id for d in c.devices if d.driver == "pcie-root-port"}
        assert {d.bus for d in c.devices if d.driver != "pcie-root-port"} <= buses

    def test_host_netdevs_become_user_netdevs_with_the_same_id(self, tmp_path: Path) -> None:
        c = _command(NETWORK_POOL, tmp_path, ("default", "hostpool"))
        assert _option(c.args, "-netdev") == ['{"type":"user","id":"hostua-backup0"}']
        vf = next(d for d in c.devices if d.driver == "vfio-pci")
        assert (vf.host, vf.failover_pair_id) == ("0000:04:10.0", "ua-backup0")

    def test_libvirt_refusal_is_libvirts_exact_message(self, tmp_path: Path) -> None:
        text = domain_xml(PERSISTENT.replace("type='persistent'", "type='foo'"), TRANSIENT_HOSTDEV_IFACE)
        built = _build(text, tmp_path)
        assert isinstance(built, SmokeRefusal)
        assert built.message == "unsupported configuration: unknown teaming type 'foo'"

    def test_unknown_network_is_bad_input(self, tmp_path: Path) -> None:
        with pytest.raises(TeamkitError, match="network 'hostpool' is not defined: give each definition"):
            _build(NETWORK_POOL, tmp_path, ("default",))

    def test_dropped_aliases_are_known(self, tmp_path: Path) -> None:
        c = _command(domain_xml(_persistent("backup0"), _iface_vf(1, "backup0")), tmp_path)
        assert c.dropped_aliases == ("backup0",)

    def test_libvirt_argv_standalone(self) -> None:
        argv = ["/usr/bin/qemu-system-x86_64", "-name", "guest=g,debug-threads=on", "-S",
                "-object", '{"qom-type":"secret","id":"masterKey0","format":"raw","file":"$ROOT/master-key.aes"}',
                "-machine", "pc-i440fx-7.2,usb=off", "-chardev", "socket,id=charmonitor,fd=FD,server=on,wait=off",
                "-mon", "chardev=charmonitor,id=monitor,mode=control", "-no-acpi",
                "-netdev", '{"type":"tap","fd":"FD","vhost":true,"vhostfd":"FD","id":"hostnet0"}',
                "-netdev", "tap,fd=FD,id=hostnet1", "-device", "virtio-net-pci,netdev=hostnet1,id=net1",
                "-sandbox", "on,obsolete=deny", "-msg", "timestamp=on"]
        c = libvirt_argv_standalone(argv)
        assert c.args == ("-name", "guest=g,debug-threads=on", "-S", "-machine", "pc-i440fx-7.2,usb=off",
                          "-no-acpi", "-netdev", '{"type":"user","id":"hostnet0"}', "-netdev", "user,id=hostnet1",
                          "-device", "virtio-net-pci,netdev=hostnet1,id=net1", "-msg", "timestamp=on")
        assert (c.machine, c.acpi) == ("pc-i440fx-7.2", False)
        assert c.command("qemu", "S")[-2:] == ("-qmp", "unix:S,server=on,wait=off")


def _observed(*, started: bool, stderr: str = "", peripherals: tuple[str, ...] = (),
              failover: dict[str, bool] | None = None, timed_out: bool = False) -> QemuObservation:
    return QemuObservation(started=started, stderr=stderr, exit_code=None if started else 1, seconds=0.05,
                           peripherals=peripherals, failover=failover or {}, qemu_version="7.2.22",
                           timed_out=timed_out)


def _failed(c: SmokeCommand, device_id: str, message: str) -> QemuObservation:
    dev = c.device(device_id)
    assert dev is not None
    return _observed(started=False, stderr=f"qemu-system-x86_64: -device {dev.arg}: {message}\n")


def _codes(r: SmokeResult) -> list[str]:
    return [n.code for n in r.notes if n.severity == "error"]


class TestInterpret:
    def test_hidden_primary_is_ok(self, tmp_path: Path) -> None:
        c = _command(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE), tmp_path)
        r = interpret(c, _observed(started=True, peripherals=("pci.1", "ua-backup0"),
                                   failover={"ua-backup0": True}))
        assert r.ok and r.starts and r.hidden_primaries == ("hostdev0",) and r.visible_primaries == ()
        assert r.pairs == {"hostdev0": "ua-backup0"}
        assert json.loads(json.dumps(r.to_json()))["hidden_primaries"] == ["hostdev0"]

    def test_visible_primary_is_not_ok(self, tmp_path: Path) -> None:
        c = _command(domain_xml(_persistent("ua-backup0"), _iface_vf(1, "ua-nosuch", "ua-backup1")), tmp_path)
        r = interpret(c, _observed(started=True, peripherals=("ua-backup0", "ua-backup1")))
        assert r.starts and not r.ok and r.visible_primaries == ("ua-backup1",)
        assert _codes(r) == ["dangling-reference"]

    @pytest.mark.parametrize(("devices", "code"), [
        ((_persistent("ua-backup0"), _iface_vf(1, "ua-nosuch", "ua-backup1")), "dangling-reference"),
        ((_persistent("backup0"), _iface_vf(1, "backup0", "ua-backup1")), "alias-dropped"),
        ((_persistent("ua-backup0", teaming=False), _iface_vf(1, "ua-backup0", "ua-backup1")),
         "standby-not-failover"),
        ((TRANSIENT_HOSTDEV_IFACE,), "dangling-reference"),
        (("""<hostdev mode='subsystem' type='pci' managed='yes'>
  <source><address domain='0x0000' bus='0x03' slot='0x07' function='0x1'/></source></hostdev>""",), "vf-not-teamed"),
    ])
    def test_unhidden_vf_explained(self, tmp_path: Path, devices: tuple[str, ...], code: str) -> None:
        c = _command(domain_xml(*devices), tmp_path)
        vf = next(d for d in c.devices if d.driver == "vfio-pci")
        assert vf.id is not None
        r = interpret(c, _failed(c, vf.id, NO_HOST_DEVICE))
        assert not r.starts and r.refused_by == "qemu" and r.error is not None
        assert r.error.endswith(NO_HOST_DEVICE)
        assert _codes(r) == [code]

    def test_vf_before_standby_explained(self) -> None:
        c = SmokeCommand(("-device", "vfio-pci,host=0000:03:07.1,id=h0,failover_pair_id=ua-b0",
                          "-device", "virtio-net-pci,failover=on,netdev=n0,id=ua-b0"), machine="q35", acpi=True)
        assert _codes(interpret(c, _failed(c, "h0", NO_HOST_DEVICE))) == ["vf-before-standby"]

    def test_i440fx_without_acpi_explained(self, tmp_path: Path) -> None:
        c = _command(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE, machine="pc", features=""), tmp_path)
        r = interpret(c, _failed(c, "hostdev0", PCI0_NO_HOTPLUG))
        assert _codes(r) == ["i440fx-no-acpi"]
        assert "<features><acpi/></features>" in (r.notes[-1].fix or "")

    def test_two_primaries_explained(self, tmp_path: Path) -> None:
        c = _command(domain_xml(PERSISTENT, _iface_vf(1, "ua-backup0", "ua-backup1"),
                                _iface_vf(2, "ua-backup0", "ua-backup2")), tmp_path)
        assert _codes(interpret(c, _failed(c, "ua-backup2", TWO_PRIMARIES))) == ["two-primaries"]

    def test_primary_on_conventional_bus_warns(self, tmp_path: Path) -> None:
        c = _command(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE, machine="pc"), tmp_path)
        r = interpret(c, _observed(started=True, peripherals=("ua-backup0",), failover={"ua-backup0": True}))
        assert r.ok
        assert "primary-not-express" in [n.code for n in r.notes if n.severity == "warning"]

    def test_timeout_is_not_ok(self, tmp_path: Path) -> None:
        c = _command(domain_xml(PERSISTENT), tmp_path)
        r = interpret(c, _observed(started=False, timed_out=True))
        assert not r.ok and [n.code for n in r.notes] == ["timeout"]


# ---- QEMU missing, bad input, libvirt refusal: no real QEMU needed ---------------------------------------------------


def _fake_qemu(tmp_path: Path, body: str) -> Path:
    """A stand-in QEMU: answers --version like QEMU 7.2, otherwise runs ``body`` (and leaves a mark it ran)."""
    script = tmp_path / "fake-qemu"
    script.write_text("#!/bin/sh\n"
                      'if [ "$1" = "--version" ]; then echo "QEMU emulator version 7.2.22"; exit 0; fi\n'
                      f"touch '{tmp_path}/launched'\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_qemu_missing_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissingError, match="apt-get install qemu-system-x86"):
        find_qemu()
    path = _write(tmp_path, domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE))
    assert main(["smoke", str(path)]) == 2
    assert "apt-get install qemu-system-x86" in capsys.readouterr().err
    assert main(["smoke", "--qemu-binary", str(tmp_path / "nope"), str(path)]) == 2


def test_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke", str(_write(tmp_path, "<domain"))]) == 2
    assert main(["smoke", "--timeout", "0", str(_write(tmp_path, domain_xml(PERSISTENT)))]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_libvirt_refusal_never_launches_qemu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = _fake_qemu(tmp_path, "exit 1")
    path = _write(tmp_path, domain_xml(PERSISTENT.replace("type='persistent'", "type='foo'"),
                                       TRANSIENT_HOSTDEV_IFACE))
    assert main(["smoke", "--json", "--qemu-binary", str(fake), str(path)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["refused_by"] == "libvirt" and doc["starts"] is False
    assert doc["error"] == "unsupported configuration: unknown teaming type 'foo'"
    assert not (tmp_path / "launched").exists()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class _Spy:
    """Remembers the QEMU processes run_qemu starts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pids: list[int] = []
        real = subprocess.Popen

        def popen(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
            proc: subprocess.Popen[bytes] = real(*args, **kwargs)  # type: ignore[call-overload]
            self.pids.append(proc.pid)
            return proc

        monkeypatch.setattr("teamkit.qemu.qmp.subprocess.Popen", popen)


def test_timeout_kills_and_reaps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = _Spy(monkeypatch)
    fake = _fake_qemu(tmp_path, "exec sleep 30")
    observed, _ = run_qemu(str(fake), SmokeCommand(("-S",), machine="pc", acpi=True), timeout=0.3)
    assert observed.timed_out and not observed.started and observed.seconds < 5
    assert spy.pids and all(_gone(p) for p in spy.pids)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_signal_to_teamkit_kills_and_reaps_qemu(tmp_path: Path, signum: int) -> None:
    fake = _fake_qemu(tmp_path, f"echo $$ > '{tmp_path}/pid'\nexec sleep 30")
    path = _write(tmp_path, domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE))
    proc = subprocess.Popen([sys.executable, "-m", "teamkit", "smoke", "--qemu-binary", str(fake), "--timeout", "30",
                             str(path)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "pid").exists() or not (tmp_path / "pid").read_text().strip():
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        qemu_pid = int((tmp_path / "pid").read_text())
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "interrupted" in err
    assert _gone(qemu_pid)


def test_fake_qemu_exit_is_not_started(tmp_path: Path) -> None:
    fake = _fake_qemu(tmp_path, "echo 'qemu-system-x86_64: -device x: boom' >&2; exit 1")
    observed, _ = run_qemu(str(fake), SmokeCommand(("-S",), machine="pc", acpi=True), timeout=5)
    assert not observed.started and observed.exit_code == 1
    assert qemu_error_line(observed.stderr) == "-device x: boom"


# ---- real QEMU: the accept/reject matrix -----------------------------------------------------------------------------


def _smoke(text: str, tmp_path: Path, networks: tuple[str, ...] = ()) -> SmokeResult:
    nets = [parse_network_file(str(ARGV_NETWORKS / f"{n}.xml")) for n in networks]
    return smoke_domain(parse_domain_file(str(_write(tmp_path, text))), networks=nets, binary=QEMU, timeout=20)


def _error_is(r: SmokeResult, device_id: str, message: str) -> None:
    assert not r.starts and not r.ok and r.refused_by == "qemu"
    assert r.error is not None and r.error.startswith("-device {") and r.error.endswith(f"}}: {message}"), r.error
    assert f'"id":"{device_id}"' in r.error.split("}: ")[0]



WIRED = [
    ("q35 interface-hostdev pair", domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE), (), ("hostdev0",)),
    ("q35 plain-hostdev pair", domain_xml(PERSISTENT, TRANSIENT_PLAIN_HOSTDEV), (), ("hostdev0",)),
    ("q35 without ACPI", domain_xml(PERSISTENT, _iface_vf(1, "ua-backup0", "ua-backup1"), features=""), (),
     ("ua-backup1",)),
    ("net-virtio-teaming with <acpi/>", NET_VIRTIO_TEAMING.format(features="\n  <features><acpi/></features>"), (),
     ("hostdev0", "hostdev1")),
    ("hostdev network pool", NETWORK_POOL, ("default", "hostpool"), ("hostdev0",)),
]


@pytest.mark.parametrize(("name", "text", "networks", "hidden"), [pytest.param(*case, id=case[0]) for case in WIRED])
@pytest.mark.qemu
@needs_qemu
def test_wired_pairs_start_with_hidden_primaries(tmp_path: Path, name: str, text: str, networks: tuple[str, ...],
                                                 hidden: tuple[str, ...]) -> None:
    r = _smoke(text, tmp_path, networks)
    assert r.starts and r.ok, (name, r.error)
    assert sorted(r.hidden_primaries) == sorted(hidden)
    assert r.visible_primaries == () and not set(hidden) & set(r.peripherals)
    standbys = {r.pairs[h] for h in hidden}
    assert standbys <= set(r.peripherals)
    assert all(r.failover[s] is True for s in standbys)
    assert r.qemu_version is not None


UNWIRED = [
    ("libvirt's net-virtio-teaming (pc, no ACPI)", NET_VIRTIO_TEAMING.format(features=""), "hostdev0",
     PCI0_NO_HOTPLUG, "i440fx-no-acpi"),
    ("dangling persistent=", domain_xml(PERSISTENT, _iface_vf(1, "ua-nosuch", "ua-backup1")), "ua-backup1",
     NO_HOST_DEVICE, "dangling-reference"),
    ("non-ua alias dropped by libvirt", domain_xml(_persistent("backup0"), _iface_vf(1, "backup0", "ua-backup1")),
     "ua-backup1", NO_HOST_DEVICE, "alias-dropped"),
    ("transient only", domain_xml(_iface_vf(1, "ua-backup0", "ua-backup1")), "ua-backup1", NO_HOST_DEVICE,
     "dangling-reference"),
    ("standby without failover", domain_xml(_persistent("ua-backup0", teaming=False),
                                            _iface_vf(1, "ua-backup0", "ua-backup1")),
     "ua-backup1", NO_HOST_DEVICE, "standby-not-failover"),
    ("two transients for one persistent", domain_xml(PERSISTENT, _iface_vf(1, "ua-backup0", "ua-backup1"),
                                                     _iface_vf(2, "ua-backup0", "ua-backup2")),
     "ua-backup2", TWO_PRIMARIES, "two-primaries"),
    ("plain hostdev without teaming", domain_xml(PERSISTENT, TRANSIENT_PLAIN_HOSTDEV.replace(
        "<teaming type='transient' persistent='ua-backup0'/>", "")), "hostdev0", NO_HOST_DEVICE, "vf-not-teamed"),
]


@pytest.mark.parametrize(("name", "text", "device_id", "message", "code"),
                         [pytest.param(*case, id=case[0]) for case in UNWIRED])
@pytest.mark.qemu
@needs_qemu
def test_unwired_pairs_are_refused_by_qemu(tmp_path: Path, name: str, text: str, device_id: str, message: str,
                                           code: str) -> None:
    r = _smoke(text, tmp_path)
    _error_is(r, device_id, message)
    assert code in _codes(r), (name, _codes(r))


@pytest.mark.qemu
@needs_qemu
def test_vf_before_virtio_is_not_hidden() -> None:
    assert QEMU is not None
    c = SmokeCommand(("-machine", "q35", "-accel", "tcg", "-S", "-display", "none", "-nodefaults",
                      "-no-user-config", "-netdev", "user,id=n0",
                      "-device", "vfio-pci,host=0000:03:07.1,id=h0,failover_pair_id=ua-b0",
                      "-device", "virtio-net-pci,failover=on,netdev=n0,id=ua-b0"), machine="q35", acpi=True)
    observed, _ = run_qemu(QEMU, c, timeout=20)
    r = interpret(c, observed)
    assert r.error == f"-device vfio-pci,host=0000:03:07.1,id=h0,failover_pair_id=ua-b0: {NO_HOST_DEVICE}"
    assert _codes(r) == ["vf-before-standby"]


@pytest.mark.qemu
@needs_qemu
def test_persistent_only_starts(tmp_path: Path) -> None:
    r = _smoke(domain_xml(PERSISTENT), tmp_path)
    assert r.ok and r.hidden_primaries == () and r.failover == {"ua-backup0": True}


@pytest.mark.qemu
@needs_qemu
def test_exception_after_start_kills_and_reaps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert QEMU is not None
    spy = _Spy(monkeypatch)

    def interrupted(self: qmp.QmpClient, command: str, arguments: object = None) -> object:
        if command == "qom-list":
            raise KeyboardInterrupt
        return {}

    monkeypatch.setattr(qmp.QmpClient, "execute", interrupted)
    c = _command(domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE), tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_qemu(QEMU, c, timeout=20)
    assert spy.pids and all(_gone(p) for p in spy.pids)


@pytest.mark.qemu
@needs_qemu
def test_cli_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE), "good.xml")
    bad = _write(tmp_path, domain_xml(PERSISTENT, TRANSIENT_HOSTDEV_IFACE, machine="pc", features=""), "bad.xml")
    assert main(["smoke", str(good)]) == 0
    out = capsys.readouterr().out
    assert "started (paused, TCG" in out and "hid every VF" in out
    assert "hidden primary: hostdev0, paired with standby ua-backup0 (failover=true)" in out
    assert main(["smoke", "--json", str(bad)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert {"path", "starts", "error", "peripherals", "hidden_primaries", "explanation", "qemu_version",
            "command"} <= set(doc)
    assert doc["path"] == str(bad) and doc["qemu_version"]
    assert doc["starts"] is False and doc["error"].endswith(PCI0_NO_HOTPLUG)
    assert doc["explanation"][0]["code"] == "i440fx-no-acpi"
    assert main(["smoke", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "QEMU: -device " in out and PCI0_NO_HOTPLUG in out and "fix: Add <features><acpi/></features>" in out


def test_docstring_examples() -> None:
    import doctest

    import teamkit.qemu.smoke_cmdline

    failures, tried = doctest.testmod(teamkit.qemu.smoke_cmdline, optionflags=doctest.ELLIPSIS)
    assert failures == 0 and tried >= 5


def test_cli_defaults_match_the_runner() -> None:
    from teamkit.views import cli_smoke

    assert (cli_smoke.DEFAULT_BINARY, cli_smoke.DEFAULT_TIMEOUT, cli_smoke.INSTALL_HINT) == (
        qmp.DEFAULT_BINARY, qmp.DEFAULT_TIMEOUT, qmp.INSTALL_HINT)
