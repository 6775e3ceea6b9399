"""The one table of libvirt's messages and teamkit's advisories, read by the validator, the docs and notebooks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Final

__all__ = [
    "ADVISORIES",
    "ERRORS",
    "MESSAGES",
    "ErrorClass",
    "Message",
    "Severity",
    "Stage",
    "message",
]


class ErrorClass(Enum):
    """libvirt's error codes as virsh prints them: the prefix before the message text (``virerror.c``)."""

    CONFIG_UNSUPPORTED = "unsupported configuration"
    XML_ERROR = "XML error"
    INTERNAL_ERROR = "internal error"
    OPERATION_UNSUPPORTED = "Operation not supported"
    INVALID_ARG = "invalid argument"


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Stage(Enum):
    """When libvirt raises the error: while parsing, at define (post-parse and validation) or only at start."""

    PARSE = "parse"
    DEFINE = "define"
    START = "start"


@dataclass(frozen=True)
class Message:
    """One entry: a libvirt error (with its exact template) or a teamkit advisory (``error_class=None``)."""

    code: str
    severity: Severity
    template: str
    why: str
    hint: str
    error_class: ErrorClass | None = None
    stage: Stage | None = None
    #: the libvirt (or QEMU) function that raises it, or the fact an advisory rests on
    source: str = ""
    #: libvirt version that introduced the rule (or removed it, see ``until``)
    since: str | None = None
    until: str | None = None

    def text(self, **fields: object) -> str:
        """The message with its fields filled in (no class prefix)."""
        return self.template.format(**fields)

    def libvirt_text(self, **fields: object) -> str | None:
        """The exact text virsh prints after ``error:`` (class prefix included), or ``None`` for advisories."""
        if self.error_class is None:
            return None
        return f"{self.error_class.value}: {self.text(**fields)}"


_E: Final = Severity.ERROR
_W: Final = Severity.WARNING
_CU: Final = ErrorClass.CONFIG_UNSUPPORTED
_XE: Final = ErrorClass.XML_ERROR

_ERRORS: Final[tuple[Message, ...]] = (
    # ---- parse: virDomainNetDefParseXML / virDomainHostdevDefParseXML and the virXMLProp* helpers ----------------
    Message(
        "xml-attr-invalid", _E, "Invalid value for attribute '{attr}' in element '{element}': '{value}'.",
        "libvirt reads this attribute as one of a fixed set of words and knows no other.",
        "Use one of the values the libvirt domain XML documentation lists for this attribute.",
        _XE, Stage.PARSE, "virXMLPropEnum (util/virxml.c)"),
    Message(
        "xml-attr-not-uint", _E,
        "Invalid value for attribute '{attr}' in element '{element}': '{value}'. Expected non-negative integer value",
        "libvirt reads this attribute as an unsigned integer.",
        "Write a plain non-negative number (hex with 0x where the attribute is an address part).",
        _XE, Stage.PARSE, "virXMLPropUInt (util/virxml.c)"),
    Message(
        "xml-attr-not-int", _E,
        "Invalid value for attribute '{attr}' in element '{element}': '{value}'. Expected integer value",
        "libvirt reads this attribute as a (signed) integer.",
        "Write a plain decimal number.",
        _XE, Stage.PARSE, "virXMLPropInt (util/virxml.c)"),
    Message(
        "xml-attr-zero", _E, "Invalid value for attribute '{attr}' in element '{element}': Zero is not permitted",
        "libvirt rejects zero for this attribute.",
        "Use a positive number.",
        _XE, Stage.PARSE, "virXMLPropUInt with VIR_XML_PROP_NONZERO (util/virxml.c)"),
    Message(
        "xml-attr-missing", _E, "Missing required attribute '{attr}' in element '{element}'",
        "libvirt needs this attribute to know what the element refers to.",
        "Add the attribute.",
        _XE, Stage.PARSE, "virXMLPropStringRequired (util/virxml.c)"),
    Message(
        "net-model-invalid-chars", _E, "Model name contains invalid characters",
        "A NIC model name is made of letters, digits, '_' and '-'.",
        "Use a model QEMU knows, e.g. <model type='virtio'/>.",
        ErrorClass.INVALID_ARG, Stage.PARSE, "virDomainNetSetModelString (conf/domain_conf.c)"),
    Message(
        "net-source-missing", _E, "interface type='{type}' requires a 'source' element",
        "Interfaces of this type name their backend (network, bridge, device) in <source>.",
        "Add a <source> element, e.g. <source network='default'/> or <source bridge='br0'/>.",
        _XE, Stage.PARSE, "virDomainNetDefParseXMLRequireSource (conf/domain_conf.c)"),
    Message(
        "vhostuser-type-unsupported", _E, "Type='{type}' unsupported for <interface type='vhostuser'>",
        "A vhost-user backend is reached over a unix socket.",
        "Use <source type='unix' path='…' mode='client'/>.",
        _CU, Stage.PARSE, "virDomainNetDefParseXML (conf/domain_conf.c)"),
    Message(
        "udp-local-missing", _E, "'<local>' element missing for 'udp' socket interface",
        "A UDP socket backend sends to <source address port> and listens on <local address port>.",
        "Add <local address='127.0.0.1' port='…'/> inside <source>.",
        _XE, Stage.PARSE, "virDomainNetDefParseXML (conf/domain_conf.c)"),
    Message(
        "hostdev-mode-unknown", _E, "unknown hostdev mode '{mode}'",
        "<hostdev mode> is 'subsystem' (PCI, USB, SCSI passthrough) or 'capabilities'.",
        "Use <hostdev mode='subsystem' type='pci'> for a VF.",
        _CU, Stage.PARSE, "virDomainHostdevDefParseXML (conf/domain_conf.c)"),
    Message(
        "hostdev-address-type-missing", _E, "missing source address type",
        "libvirt needs to know what kind of host device this is: type='pci' on <hostdev>, or "
        "<source><address type='pci' …/></source> on <interface type='hostdev'>.",
        "Add type='pci' (and the VF's PCI address).",
        _XE, Stage.PARSE, "virDomainHostdevDefParseXMLSubsys (conf/domain_conf.c)"),
    Message(
        "hostdev-type-unknown", _E, "unknown host device source address type '{type}'",
        "Host device types are usb, pci, scsi, scsi_host and mdev.",
        "Use type='pci' for an SR-IOV VF.",
        _CU, Stage.PARSE, "virDomainHostdevDefParseXMLSubsys (conf/domain_conf.c)"),
    Message(
        "hostdev-source-missing", _E, "Missing <source> element in hostdev device",
        "The <source> names the host device (the VF's PCI address) to pass through.",
        "Add <source><address type='pci' domain=… bus=… slot=… function=…/></source>.",
        _XE, Stage.PARSE, "virDomainHostdevDefParseXMLSubsys (conf/domain_conf.c)"),
    Message(
        "input-usb-disabled", _E, "Can't add USB input device. USB bus is disabled",
        "<controller type='usb' model='none'/> removes the USB bus, so a USB tablet, mouse or keyboard has nowhere "
        "to go.",
        "Use bus='virtio' (or ps2) for the input, or drop model='none' from the USB controller.",
        _CU, Stage.PARSE, "virDomainDefParseXML (conf/domain_conf.c)"),
    Message(
        "hostdev-usb-disabled", _E, "Can't add host USB device: USB is disabled in this host",
        "<controller type='usb' model='none'/> removes the USB bus, so a USB <hostdev> has nowhere to go.",
        "Remove the USB <hostdev>, or drop model='none' from the USB controller.",
        _CU, Stage.PARSE, "virDomainDefParseXML (conf/domain_conf.c)"),
    Message(
        "mac-unparsable", _E, "unable to parse mac address '{mac}'",
        "A MAC address is six hexadecimal octets separated by colons.",
        "Write the MAC as xx:xx:xx:xx:xx:xx, e.g. 52:54:00:11:22:33.",
        _XE, Stage.PARSE, "virDomainNetDefParseXML (conf/domain_conf.c)"),
    Message(
        "mac-multicast", _E, "expected unicast mac address, found multicast '{mac}'",
        "The lowest bit of the first octet marks a multicast address, which a NIC cannot own.",
        "Use a unicast MAC: the first octet must be even, e.g. 52:54:00:…",
        _XE, Stage.PARSE, "virDomainNetDefParseXML (conf/domain_conf.c)"),
    Message(
        "link-state-unknown", _E, "unknown interface link state '{state}'",
        "<link state> is either 'up' or 'down'.",
        "Use <link state='up'/> (or remove the element).",
        _CU, Stage.PARSE, "virDomainNetDefParseXML (conf/domain_conf.c)"),
    Message(
        "teaming-type-unknown", _E, "unknown teaming type '{value}'",
        "libvirt reads <teaming type> as 'persistent' or 'transient' (case-sensitive); 'none', anything else, or a "
        "missing type with persistent= set is refused. A missing type prints as '(null)'.",
        "Use <teaming type='persistent'/> on the virtio NIC and <teaming type='transient' persistent='ua-ALIAS'/> "
        "on the VF.",
        _CU, Stage.PARSE, "virDomainNetTeamingInfoParseXML (conf/domain_conf.c)", since="6.1.0"),
    Message(
        "mtu-malformed", _E, "malformed mtu size",
        "<mtu size> must be an unsigned integer.",
        "Write the MTU as a number, e.g. <mtu size='9000'/>.",
        _XE, Stage.PARSE, "virDomainNetDefParseXML (conf/domain_conf.c)"),
    Message(
        "pci-bus-range", _E, "Invalid PCI address bus='0x{bus:x}', must be <= 0xFF",
        "A PCI bus number is 8 bits.",
        "Use a bus number from 0x00 to 0xff.",
        _XE, Stage.PARSE, "virPCIDeviceAddressIsValid (util/virpci.c)"),
    Message(
        "pci-slot-range", _E, "Invalid PCI address slot='0x{slot:x}', must be <= 0x1F",
        "A PCI slot number is 5 bits.",
        "Use a slot number from 0x00 to 0x1f.",
        _XE, Stage.PARSE, "virPCIDeviceAddressIsValid (util/virpci.c)"),
    Message(
        "pci-function-range", _E, "Invalid PCI address function=0x{function:x}, must be <= 7",
        "A PCI function number is 3 bits.",
        "Use a function number from 0 to 7.",
        _XE, Stage.PARSE, "virPCIDeviceAddressIsValid (util/virpci.c)"),
    Message(
        "rom-disabled-tuned", _E, "ROM tuning is not supported when ROM is disabled",
        "<rom enabled='no'> removes the option ROM, so bar= and file= have nothing to tune.",
        "Drop bar= and file=, or drop enabled='no'.",
        _CU, Stage.PARSE, "virDomainDeviceInfoParseXML (conf/domain_conf.c)"),
    # ---- define: post-parse ------------------------------------------------------------------------------------
    Message(
        "boot-order-duplicate", _E, "boot order '{order}' used for more than one device",
        "Each device's <boot order> must be unique.",
        "Give every bootable device its own order number.",
        _CU, Stage.DEFINE, "virDomainDefCollectBootOrder (conf/domain_postparse.c)"),
    Message(
        "boot-with-os-boot", _E, "per-device boot elements cannot be used together with os/boot elements",
        "libvirt takes the boot order either from <os><boot dev=…/> or from per-device <boot order=…/>, never both.",
        "Remove <os><boot dev=…/> and use <boot order='N'/> on the devices, or the other way round.",
        _CU, Stage.DEFINE, "virDomainDefBootOrderPostParse (conf/domain_postparse.c)"),
    Message(
        "pci-slot-min", _E, "Invalid PCI address {address}. slot must be >= {min}",
        "Slot 0 of a PCI bridge (or pci-root on some machines) is reserved; devices start at slot 1.",
        "Use slot 0x01 or higher on this bus, or drop the <address> and let libvirt assign one.",
        _XE, Stage.DEFINE, "virDomainPCIAddressValidate (conf/domain_addr.c)"),
    Message(
        "pci-slot-max", _E, "Invalid PCI address {address}. slot must be <= {max}",
        "This bus has fewer slots (a pcie-root-port has exactly one, slot 0).",
        "Use slot 0x00 on a root port, or drop the <address>.",
        _XE, Stage.DEFINE, "virDomainPCIAddressValidate (conf/domain_addr.c)"),
    Message(
        "pci-address-reused", _E, "Attempted double use of PCI Address {address}",
        "Two devices name the same guest PCI slot and function, or a device names a slot the chipset owns "
        "(0000:00:01.0 and .3 on i440fx for the PIIX3 bridges, 0000:00:1f.0 and .3 on q35 for the LPC and SMBus "
        "functions).",
        "Give each device its own <address>, or drop the <address> elements and let libvirt assign them.",
        _XE, Stage.DEFINE, "virDomainPCIAddressReserveAddrInternal (conf/domain_addr.c)"),
    Message(
        "pci-domain-nonzero", _E, "Invalid PCI address {address}. Only PCI domain 0 is available",
        "QEMU guests have a single PCI domain.",
        "Use domain='0x0000' in guest-side <address> elements.",
        _XE, Stage.DEFINE, "virDomainPCIAddressValidate (conf/domain_addr.c)"),
    Message(
        "pci-function-max", _E, "Invalid PCI address {address}. function must be <= 7",
        "A PCI slot has eight functions, 0 to 7.",
        "Use a function from 0x0 to 0x7.",
        _XE, Stage.DEFINE, "virDomainPCIAddressValidate (conf/domain_addr.c)"),
    Message(
        "pci-no-buses", _E, "No PCI buses available",
        "The machine has no PCI bus to put the device on.",
        "Use an x86 machine type with PCI (pc or q35).",
        _XE, Stage.DEFINE, "virDomainPCIAddressValidate (conf/domain_addr.c)"),
    Message(
        "pci-bus-missing", _E, "Invalid PCI address {address}. Only PCI buses up to {last} are available",
        "The address names a bus that no PCI controller of the domain provides.",
        "Add a <controller type='pci'> with that index, or address the device to an existing bus.",
        _XE, Stage.DEFINE, "virDomainPCIAddressValidate (conf/domain_addr.c)"),
    Message(
        "pci-needs-integrated", _E, "The device at PCI address {address} needs to be an integrated device (bus=0)",
        "This device (for example virtio-iommu or pvpanic) must sit on the root bus.",
        "Address it to bus 0, or drop the <address>.",
        _XE, Stage.DEFINE, "virDomainPCIAddressFlagsCompatible (conf/domain_addr.c)"),
    Message(
        "pci-auto-assign-refused", _E,
        "The device at PCI address {address} was auto-assigned this address, but the PCI controller with "
        "index='{bus}' doesn't allow auto-assignment",
        "libvirt itself picked a bus that only takes devices placed there explicitly.",
        "Give the device an explicit <address>.",
        ErrorClass.INTERNAL_ERROR, Stage.DEFINE, "virDomainPCIAddressFlagsCompatible (conf/domain_addr.c)"),
    Message(
        "pci-bus-no-hotplug", _E,
        "The device at PCI address {address} requires hotplug capability, but the PCI controller with "
        "index='{bus}' doesn't support hotplug",
        "Devices that may be hot-unplugged (NICs, VFs, …) need a bus with hotplug; this controller has none or "
        "has <target hotplug='off'/>.",
        "Address the device to a bus with hotplug (a pcie-root-port, a pci-bridge), or drop hotplug='off'.",
        _XE, Stage.DEFINE, "virDomainPCIAddressFlagsCompatible (conf/domain_addr.c)"),
    Message(
        "pci-connect-flags-unknown", _E,
        "The device at PCI address {address} has unrecognized connection type flags 0x{flags:02x}",
        "libvirt does not know how this device connects to a PCI bus.",
        "Drop the <address> of this device.",
        _XE, Stage.DEFINE, "virDomainPCIAddressFlagsCompatible (conf/domain_addr.c)"),
    Message(
        "pci-bus-incompatible", _E,
        "The device at PCI address {address} cannot be plugged into the PCI controller with index='{bus}'. "
        "It requires a controller that accepts a {kind}.",
        "PCI Express devices go on PCIe ports (pcie-root, pcie-root-port, switch ports), conventional PCI devices "
        "on PCI buses (pci-root, pci-bridge, pcie-to-pci-bridge); a controller takes only what its model accepts.",
        "Address the device to a controller of the right kind, or drop the <address> and let libvirt place it.",
        _XE, Stage.DEFINE, "virDomainPCIAddressFlagsCompatible (conf/domain_addr.c)"),
    Message(
        "pci-bridge-index-not-above-bus", _E,
        "PCI controller at index {index} (0x{index:02x}) has bus='0x{bus:02x}', but index must be larger than bus",
        "A pci-bridge's index must be greater than the bus it plugs into.",
        "Give the pci-bridge a higher index, or plug it into a lower bus.",
        _CU, Stage.DEFINE, "qemuDomainAssignPCIAddresses (qemu/qemu_domain_address.c)"),
    Message(
        "pci-no-free-slot", _E, "No more available PCI slots",
        "Every slot libvirt may use for this device is taken and it cannot add another bus.",
        "Remove devices, or add a PCI controller for libvirt to use.",
        ErrorClass.INTERNAL_ERROR, Stage.DEFINE, "virDomainPCIAddressGetNextAddr (conf/domain_addr.c)"),
    Message(
        "pci-controller-slot-unavailable", _E,
        "a PCI slot is needed to connect a PCI controller model='{model}', but none is available, and it cannot "
        "be automatically added",
        "The controller needs a slot on a bus that libvirt cannot create.",
        "Give the controller an explicit <address> on a bus that accepts it.",
        ErrorClass.INTERNAL_ERROR, Stage.DEFINE, "virDomainPCIAddressSetGrow (conf/domain_addr.c)"),
    Message(
        "pci-cannot-add-bus", _E,
        "Cannot automatically add a new PCI bus for a device with connect flags {flags:02x}",
        "No bus accepts this device and libvirt knows no controller to add for it.",
        "Give the device an explicit <address>.",
        ErrorClass.INTERNAL_ERROR, Stage.DEFINE, "virDomainPCIAddressSetGrow (conf/domain_addr.c)"),
    Message(
        "pci-controller-index-too-big", _E,
        "Inappropriate new pci controller index {index} exceeds addrs array length",
        "A PCI controller index is larger than the bus array libvirt built.",
        "Number the PCI controllers from 0 without large gaps.",
        ErrorClass.INTERNAL_ERROR, Stage.DEFINE, "qemuDomainPCIAddressSetCreate (qemu/qemu_domain_address.c)"),
    Message(
        "pci-piix3-bus0-not-pci", _E, "Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers",
        "The PIIX3 USB and IDE functions live on slot 1 of a conventional PCI root bus.",
        "Use machine pc for PIIX3 controllers, or drop their <address>.",
        ErrorClass.INTERNAL_ERROR, Stage.DEFINE, "qemuDomainCollectPCIAddress (qemu/qemu_domain_address.c)"),
    Message(
        "pci-chipset-address", _E, "{what} must have PCI address {address}",
        "The chipset's own controllers (PIIX3 IDE and USB on i440fx, the first SATA controller on q35) sit at fixed "
        "addresses.",
        "Drop the <address> of that controller.",
        ErrorClass.INTERNAL_ERROR, Stage.DEFINE, "qemuDomainValidateDevicePCISlotsPIIX3 / …Q35 "
        "(qemu/qemu_domain_address.c)"),
    Message(
        "virtio-disk-address-type", _E, "virtio disk cannot have an address of type '{type}'",
        "A virtio disk is a PCI device on x86 and needs a PCI address (or none).",
        "Drop the disk's <address>, or use type='pci'.",
        _CU, Stage.DEFINE, "qemuDomainAssignDevicePCISlots (qemu/qemu_domain_address.c)"),
    Message(
        "usb-disabled", _E, "USB is disabled for this domain, but USB devices are present in the domain XML",
        "<controller type='usb' model='none'/> removes the USB bus, but a USB device (a USB host device, an "
        "<interface type='hostdev'> with a USB source, a USB disk or input, …) needs one.",
        "Remove the USB device, or drop model='none' from the USB controller.",
        _CU, Stage.DEFINE, "qemuDomainUSBAddressAddHubs (qemu/qemu_domain_address.c)"),
    # ---- define: validation, per device (generic first, then QEMU) -----------------------------------------------
    Message(
        "address-unassigned-not-hostdev", _E, "address of type '{type}' is supported only for hostdevs",
        "<address type='unassigned'/> keeps a host device attached to the domain without giving it to the guest; "
        "an <interface> cannot use it.",
        "Remove the <address type='unassigned'/> from the interface.",
        _CU, Stage.DEFINE, "virDomainDeviceInfoValidate (conf/domain_validate.c)"),
    Message(
        "unmanaged-tap-wrong-type", _E, "unmanaged target dev is not supported on interfaces of type '{type}'",
        "<target managed='no'/> names a tap device that already exists; only type='ethernet' connects one.",
        "Use <interface type='ethernet'> for a pre-created tap, or drop managed='no'.",
        _CU, Stage.DEFINE, "virDomainNetDefValidate (conf/domain_validate.c)"),
    Message(
        "virtio-option-iommu", _E, "iommu driver option is only supported for virtio devices",
        "<driver iommu=…/> sets a virtio transport feature; this NIC model is not virtio.",
        "Remove iommu= from <driver>, or use <model type='virtio'/>.",
        _CU, Stage.DEFINE, "virDomainCheckVirtioOptionsAreAbsent (conf/domain_validate.c)"),
    Message(
        "virtio-option-ats", _E, "ats driver option is only supported for virtio devices",
        "<driver ats=…/> sets a virtio transport feature; this NIC model is not virtio.",
        "Remove ats= from <driver>, or use <model type='virtio'/>.",
        _CU, Stage.DEFINE, "virDomainCheckVirtioOptionsAreAbsent (conf/domain_validate.c)"),
    Message(
        "virtio-option-packed", _E, "packed driver option is only supported for virtio devices",
        "<driver packed=…/> sets a virtio ring layout; this NIC model is not virtio.",
        "Remove packed= from <driver>, or use <model type='virtio'/>.",
        _CU, Stage.DEFINE, "virDomainCheckVirtioOptionsAreAbsent (conf/domain_validate.c)"),
    Message(
        "virtio-option-page-per-vq", _E, "page_per_vq option is only supported for virtio devices",
        "<driver page_per_vq=…/> sets a virtio transport feature; this NIC model is not virtio.",
        "Remove page_per_vq= from <driver>, or use <model type='virtio'/>.",
        _CU, Stage.DEFINE, "virDomainCheckVirtioOptionsAreAbsent (conf/domain_validate.c)"),
    Message(
        "vhostuser-not-virtio", _E,
        "Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the "
        "virtio-net* frontend",
        "A vhost-user backend speaks the virtio protocol, so the guest NIC must be virtio.",
        "Add <model type='virtio'/>.",
        ErrorClass.INTERNAL_ERROR, Stage.DEFINE, "virDomainNetDefValidate (conf/domain_validate.c)"),
    Message(
        "acpi-index-not-pci", _E, "ACPI index is only supported for PCI devices",
        "<acpi index=…/> names a PCI device for the guest's firmware tables.",
        "Remove <acpi index=…/>, or give the device a PCI address.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceInfo (qemu/qemu_validate.c)"),
    Message(
        "rom-not-pci", _E, "ROM tuning is only supported for PCI devices",
        "<rom> tunes a PCI option ROM; this device is not on PCI (a USB host device gets a USB address at define).",
        "Remove <rom>.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceInfo (qemu/qemu_validate.c)"),
    Message(
        "teaming-transient-no-persistent", _E,
        "teaming persistent attribute must be set if teaming type is 'transient'",
        "A transient member must name the alias of the persistent virtio NIC it is paired with.",
        "Add persistent='ua-ALIAS' with the alias of the virtio NIC.",
        _CU, Stage.DEFINE, "virDomainNetDefValidate (conf/domain_validate.c)", since="6.1.0"),
    Message(
        "teaming-persistent-with-persistent", _E,
        "teaming persistent attribute not allowed if teaming type is '{type}'",
        "Only the transient member points at its partner; the persistent side is the target.",
        "Remove persistent= from <teaming type='persistent'/>.",
        _CU, Stage.DEFINE, "virDomainNetDefValidate (conf/domain_validate.c)", since="6.1.0"),
    Message(
        "vdpa-model-not-virtio", _E, "invalid model for interface of type '{type}': '{model}'",
        "A vDPA device is a virtio device in hardware, so the guest NIC must be plain virtio (a model libvirt does "
        "not know prints as 'unknown').",
        "Use <model type='virtio'/> or leave <model> out.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceDefNetwork (qemu/qemu_validate.c)"),
    Message(
        "rx-queue-size-not-pow2", _E, "rx_queue_size has to be a power of two",
        "virtio rings are sized in powers of two.",
        "Use 256, 512 or 1024.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceDefNetwork (qemu/qemu_validate.c)"),
    Message(
        "tx-queue-size-not-pow2", _E, "tx_queue_size has to be a power of two",
        "virtio rings are sized in powers of two.",
        "Use 256, 512 or 1024.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceDefNetwork (qemu/qemu_validate.c)"),
    Message(
        "mtu-unsupported-type", _E, "setting MTU on interface type {type} is not supported yet",
        "QEMU can only set the host-side MTU on tap-based interfaces (network, bridge, ethernet, vhostuser).",
        "Remove <mtu>, or set the MTU on the host device (the VF's PF, the macvtap parent) instead.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceDefNetwork (qemu/qemu_validate.c)"),
    Message(
        "failover-unsupported-qemu", _E, "virtio-net failover (teaming) is not supported with this QEMU binary",
        "virtio-net failover (the failover and failover_pair_id properties) first appeared in QEMU 4.2.",
        "Use QEMU 4.2 or later.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceDefNetwork, libvirt 6.1–8.6 (QEMU_CAPS_VIRTIO_NET_FAILOVER)",
        since="6.1.0", until="8.7.0"),
    Message(
        "teaming-persistent-not-virtio", _E,
        "virtio-net teaming persistent interface must be <model type='virtio'/>, not '{model}'",
        "QEMU's failover lives in virtio-net (the STANDBY feature bit); no other NIC model can be the standby. "
        "An <interface type='network'> without <model> gets its model at define from the network: none when the "
        "network is a hostdev pool (printed '(null)'), rtl8139 otherwise, and rtl8139 too when libvirt cannot ask "
        "its network driver (the network is not defined, or the embedded driver has none); teamkit prints what the "
        "networks it was given say.",
        "Use <model type='virtio'/> (or virtio-transitional / virtio-non-transitional) on the persistent NIC.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceDefNetwork (qemu/qemu_validate.c)", since="6.1.0"),
    Message(
        "teaming-transient-wrong-type", _E,
        "virtio-net teaming transient interface must be type='hostdev', not '{type}'",
        "The transient member is the VF that QEMU unplugs before migration: it must be a PCI passthrough device.",
        "Use <interface type='hostdev'> with the VF's PCI address, or type='network' naming a hostdev pool.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceDefNetwork (qemu/qemu_validate.c)", since="6.1.0"),
    Message(
        "coalesce-unsupported-type", _E, "coalesce settings on interface type {type} are not supported",
        "Interrupt coalescing is set on the host tap device, which only network and bridge interfaces have.",
        "Remove <coalesce>, or use a network or bridge interface.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceDefNetwork (qemu/qemu_validate.c)"),
    Message(
        "teaming-hostdev-not-transient", _E, "teaming hostdev devices must have type='transient'",
        "A plain <hostdev> can only be the VF side of a pair.",
        "Use <teaming type='transient' persistent='ua-ALIAS'/>.",
        _CU, Stage.DEFINE, "virDomainHostdevDefValidate (conf/domain_validate.c)", since="7.1.0"),
    Message(
        "teaming-hostdev-no-persistent", _E, "missing required persistent attribute in hostdev teaming element",
        "The hostdev must name the alias of the persistent virtio NIC it is paired with.",
        "Add persistent='ua-ALIAS'.",
        _CU, Stage.DEFINE, "virDomainHostdevDefValidate (conf/domain_validate.c)", since="7.1.0"),
    Message(
        "teaming-hostdev-not-pci", _E, "teaming is only supported for pci hostdev devices",
        "Failover pairs a virtio NIC with a PCI network function; USB and other hostdevs cannot take part.",
        "Use <hostdev mode='subsystem' type='pci'> for the VF.",
        _CU, Stage.DEFINE, "virDomainHostdevDefValidate (conf/domain_validate.c)", since="7.1.0"),
    Message(
        "hostdev-pci-address-type", _E, "PCI host devices must use 'pci' or 'unassigned' address type",
        "A PCI host device is a PCI device in the guest too.",
        "Use <address type='pci' …/>, or drop the <address>.",
        ErrorClass.INTERNAL_ERROR, Stage.DEFINE, "virDomainHostdevDefValidate (conf/domain_validate.c)"),
    Message(
        "hostdev-scsi-address-type", _E, "SCSI host device must use 'drive' address type",
        "A SCSI host device sits on a guest SCSI controller.",
        "Use <address type='drive' …/>, or drop the <address>.",
        _CU, Stage.DEFINE, "virDomainHostdevDefValidate (conf/domain_validate.c)"),
    Message(
        "hostdev-scsi-host-address-type", _E, "SCSI_host host device must use 'pci' or 'ccw' address type",
        "A vhost-scsi host device is a PCI (or CCW) device in the guest.",
        "Use <address type='pci' …/>, or drop the <address>.",
        _CU, Stage.DEFINE, "virDomainHostdevDefValidate (conf/domain_validate.c)"),
    Message(
        "hostdev-usb-address-type", _E, "USB host device must use 'usb' address type",
        "A USB host device sits on a guest USB controller, not on PCI. This applies to an "
        "<interface type='hostdev'> with a USB source as well.",
        "Use <address type='usb' …/>, or drop the <address>.",
        _CU, Stage.DEFINE, "virDomainHostdevDefValidate (conf/domain_validate.c)"),
    Message(
        "hostdev-capabilities-mode", _E, "hostdev mode 'capabilities' is not supported in {virt}",
        "<hostdev mode='capabilities'> passes host resources to LXC containers; QEMU guests take only "
        "mode='subsystem' devices.",
        "Use <hostdev mode='subsystem' type='pci'> with the VF's PCI address.",
        _CU, Stage.DEFINE, "qemuValidateDomainDeviceDefHostdev (qemu/qemu_validate.c)"),
    Message(
        "hostdev-duplicate", _E, "Hostdev already exists in the domain configuration",
        "The same host device (here: the same VF PCI address) is assigned twice; a VF can back only one device.",
        "Use a different VF for each transient device.",
        _XE, Stage.DEFINE, "virDomainDefHostdevValidate (conf/domain_validate.c)"),
    Message(
        "alias-duplicate", _E, "non unique alias detected: {alias}",
        "User aliases become QEMU device ids, which must be unique.",
        "Give each device its own ua- alias.",
        _CU, Stage.DEFINE, "virDomainDeviceDefValidateAliasesIterator (conf/domain_validate.c)"),
    # ---- start: host preparation, then rules checked while the command line is built -----------------------------
    Message(
        "hostdev-backend-kvm", _E, "host doesn't support legacy PCI passthrough",
        "<driver name='kvm'> asks for the old KVM device assignment, which Linux removed; QEMU assigns PCI devices "
        "only through VFIO.",
        "Use <driver name='vfio'/> or leave <driver> out (libvirt picks VFIO).",
        _CU, Stage.START, "qemuHostdevPreparePCIDevicesCheckSupport (qemu/qemu_hostdev.c)"),
    Message(
        "virtio-address-type-unexpected", _E, "Unexpected address type for '{device}'",
        "A virtio NIC on x86 is a PCI device (virtio-net-pci); libvirt accepts another <address type> at define but "
        "cannot build the -device for it.",
        "Use <address type='pci' …/>, or drop the <address>.",
        ErrorClass.INTERNAL_ERROR, Stage.START, "qemuBuildVirtioDevGetConfig (qemu/qemu_command.c)"),
    Message(
        "hostdev-backend-invalid", _E, "invalid PCI passthrough type '{backend}'",
        "QEMU assigns PCI devices only through VFIO; the xen backend is for the Xen driver. Before the command line "
        "is built, libvirt checks that a non-VFIO device is assignable (its PCIe switches have ACS); where the "
        "host's topology fails that check, libvirt says 'Requested operation is not valid: PCI device … is not "
        "assignable' instead.",
        "Use <driver name='vfio'/> or leave <driver> out.",
        ErrorClass.INTERNAL_ERROR, Stage.START, "qemuBuildPCIHostdevDevProps (qemu/qemu_command.c)"),
    Message(
        "vlan-unsupported-type", _E, "interface {mac} - vlan tag not supported for this connection type",
        "libvirt sets VLAN tags only on SR-IOV VFs (hostdev, macvtap passthrough) and Open vSwitch bridges."
        " For an interface without <mac>, libvirt prints the MAC it generated at define (random, 52:54:00:xx:xx:xx); "
        "teamkit cannot know it and shows '(generated)'.",
        "Remove <vlan>, or tag the traffic on the host side (the bridge port or the VF).",
        _CU, Stage.START, "virDomainActualNetDefValidate (conf/domain_validate.c)"),
    Message(
        "bandwidth-on-hostdev", _E, "interface {mac} - bandwidth settings are not supported for hostdev interfaces",
        "A VF's traffic bypasses the host's tc shaping, so libvirt cannot apply <bandwidth> to it."
        " For an interface without <mac>, libvirt prints the MAC it generated at define (random, 52:54:00:xx:xx:xx); "
        "teamkit cannot know it and shows '(generated)'.",
        "Remove <bandwidth>; rate-limit the VF on the PF instead (ip link set PF vf N max_tx_rate …).",
        _CU, Stage.START, "virDomainActualNetDefValidate (conf/domain_validate.c)"),
    Message(
        "multiqueue-unsupported-type", _E,
        "interface {mac} - multiqueue is not supported for network interfaces of type {type}",
        "Only tap and macvtap backends (network, bridge, direct, ethernet, vhostuser, vdpa) have multiple queues."
        " For an interface without <mac>, libvirt prints the MAC it generated at define (random, 52:54:00:xx:xx:xx); "
        "teamkit cannot know it and shows '(generated)'.",
        "Remove queues= from <driver>, or use a tap-based interface type.",
        _CU, Stage.START, "qemuDomainValidateActualNetDef (qemu/qemu_domain.c)"),
    Message(
        "teaming-transient-actual-not-hostdev", _E,
        "interface {mac} - teaming transient device must be type='hostdev', not '{type}'",
        "The network the transient NIC names must hand out SR-IOV VFs (<forward mode='hostdev'>); this one resolves "
        "to another type, which QEMU cannot unplug as a failover primary."
        " For an interface without <mac>, libvirt prints the MAC it generated at define (random, 52:54:00:xx:xx:xx); "
        "teamkit cannot know it and shows '(generated)'.",
        "Point the transient NIC at a <forward mode='hostdev'> network, or use <interface type='hostdev'>.",
        _CU, Stage.START, "qemuDomainValidateActualNetDef (qemu/qemu_domain.c)", since="6.1.0"),
)

#: address checks libvirt reports as XML errors for addresses from the XML and as internal errors for addresses it
#: chose itself (``fromConfig`` in ``virDomainPCIAddressValidate`` and ``virDomainPCIAddressReserveAddrInternal``)
_PCI_ADDRESS_CHECKS: Final = (
    "pci-no-buses", "pci-domain-nonzero", "pci-bus-missing", "pci-needs-integrated", "pci-bus-no-hotplug",
    "pci-connect-flags-unknown", "pci-bus-incompatible", "pci-slot-min", "pci-slot-max", "pci-function-max",
    "pci-address-reused",
)


def _internal_twin(entry: Message) -> Message:
    return replace(entry, code=f"{entry.code}-internal", error_class=ErrorClass.INTERNAL_ERROR,
                   why=f"{entry.why} libvirt chose this address itself, so it reports an internal error.")


ERRORS: Final[tuple[Message, ...]] = (
    *_ERRORS, *(_internal_twin(m) for m in _ERRORS if m.code in _PCI_ADDRESS_CHECKS),
)

ADVISORIES: Final[tuple[Message, ...]] = (
    Message(
        "pair-dangling", _W,
        "transient device names persistent='{ref}', but no interface has that id; the VF will not be paired",
        "libvirt never checks the reference; QEMU finds no failover=on device with that id, so it does not hide "
        "the VF and tries to open the host device at start ('no such host device' on a host without it).",
        "Set persistent= to the ua- alias of the virtio NIC that carries <teaming type='persistent'/>.",
        source="libvirt-teaming.md §2.3 (not checked anywhere); real-libvirt-qemu.md §8.3"),
    Message(
        "pair-target-not-persistent", _W,
        "persistent='{ref}' names an interface without <teaming type='persistent'/>; it gets no failover=on",
        "Only a virtio NIC with <teaming type='persistent'/> is rendered with failover=on; without it QEMU does not "
        "hide the VF.",
        "Add <teaming type='persistent'/> to the referenced virtio NIC.",
        source="libvirt-teaming.md §3.1; qemu-failover.md key fact 2"),
    Message(
        "alias-dropped", _W,
        "alias '{alias}' is not a user alias (ua-[A-Za-z0-9_-]+); libvirt silently drops it and names the device "
        "'{auto}'",
        "In inactive XML libvirt keeps only aliases with the ua- prefix made of letters, digits, '_' and '-'. The "
        "NIC becomes '{auto}' while failover_pair_id keeps the raw string, so the pair silently mismatches.",
        "Rename the alias to ua-… using only letters, digits, '_' and '-', and point persistent= at it.",
        source="virDomainDeviceInfoParseXML (conf/domain_conf.c); libvirt-teaming.md §2.3"),
    Message(
        "mac-mismatch", _W,
        "the persistent NIC's MAC {persistent_mac} differs from the transient device's MAC {transient_mac}; "
        "the guest pairs the two by MAC",
        "The guest's net_failover driver enslaves the VF only when its permanent MAC equals the virtio MAC. libvirt "
        "deliberately does not enforce this (formatdomain, NB2).",
        "Give both members the same <mac address=…/>.",
        source="qemu-failover.md §6; libvirt formatdomain 'Teaming a virtio/hostdev NIC pair' NB2"),
    Message(
        "mac-missing", _W,
        "{which} member has no <mac>; libvirt generates a random MAC, so the two MACs will not match",
        "The guest pairs the members by permanent MAC; a generated MAC differs from the other member's.",
        "Write the same <mac address=…/> on both members.",
        source="virDomainNetGenerateMAC (conf/domain_conf.c); qemu-failover.md §6"),
    Message(
        "primary-duplicate", _W,
        "more than one transient device names '{ref}'; QEMU refuses: Cannot attach more than one primary device "
        "to '{ref}'",
        "A failover pair has exactly one primary; QEMU rejects a second one at start.",
        "Pair each VF with its own virtio NIC.",
        source="qemu-failover.md key fact 3; real-libvirt-qemu.md §8.3"),
    Message(
        "persistent-on-hostdev-pool", _W,
        "the persistent NIC uses network '{network}', a hostdev pool; it becomes a VF and silently loses failover",
        "A <forward mode='hostdev'> network turns the interface into a VF at start; the virtio standby disappears.",
        "Put the persistent NIC on a bridge, NAT or macvtap network; only the transient NIC uses the hostdev pool.",
        source="libvirt-teaming.md §3.3 (hostdev-actual interfaces are built as hostdevs)"),
    Message(
        "primary-bus-no-hotplug", _W,
        "the primary's bus '{bus}' cannot hotplug: {consequence}",
        "QEMU needs a hotplug handler on the primary's bus to plug it after negotiation and unplug it for "
        "migration. On machine 'pc' pci.0 has one only with ACPI; without it QEMU refuses the -device line at "
        "startup. q35's pcie.0 has no hot-plug slot: with q35's default ACPI PCI hotplug (QEMU 6.1 and later) QEMU "
        "accepts the hidden primary and fails only at the plug, with a warning; with native PCIe hotplug it "
        "refuses it at startup.",
        "{fix}",
        source="qemu-failover.md §3; real-libvirt-qemu.md §8.3; measured with QEMU 7.2 "
               "(teamkit lab primary-on-root-bus)"),
    Message(
        "primary-not-pcie", _W,
        "the primary is on conventional PCI ({bus}); once plugged, QEMU fails it: failover primary device must be on "
        "PCIExpress bus",
        "QEMU only accepts PCI Express primaries; on i440fx every bus is conventional PCI.",
        "Use machine q35 and let libvirt place the VF on a pcie-root-port.",
        source="qemu-failover.md §3 (pci_qdev_realize)"),
    Message(
        "boot-on-vf", _W,
        "<os><boot dev='network'/> gives boot index 1 to the first interface, which is the VF '{device}'",
        "The VF is hidden until the guest negotiates failover, so the firmware cannot boot from it.",
        "Put the persistent virtio NIC first, or use per-device <boot order='1'/> on it.",
        source="libvirt qemuBuildBootCommandLine; qemu-failover.md key fact 2"),
    Message(
        "persistent-link-down", _W,
        "the persistent NIC has <link state='down'/>; nothing carries traffic while the VF is unplugged",
        "During migration the VF is gone and the virtio standby is the only path; with its link down the guest is "
        "off the network from the unplug until the new VF is up.",
        "Remove <link state='down'/> from the persistent NIC.",
        source="qemu-failover.md §6 (xmit_ready) [inferred]"),
    Message(
        "vf-mac-admin", _W,
        "{what}: libvirt does not set the VF's MAC, so the admin must set it to {mac} on the PF",
        "For a plain <hostdev> (or managed='no') libvirt passes the VF as is; the guest pairs by the VF's permanent "
        "MAC, which must equal the virtio MAC.",
        "Before starting the guest: ip link set PF vf N mac {mac}.",
        source="libvirt formatdomain 'Teaming…' (7.1.0 plain hostdev); libvirt-teaming.md §3.2"),
    Message(
        "guest-requirements", Severity.INFO,
        "the guest needs Linux 4.18 or later with virtio_net and net_failover, and must configure only the failover "
        "master",
        "The guest's virtio_net driver creates the net_failover master when it negotiates STANDBY (Linux 4.18+); "
        "DHCP or addresses on the slaves break the bond.",
        "Use a guest kernel with CONFIG_NET_FAILOVER; configure networking on the master interface only.",
        source="libvirt formatdomain 'Teaming…'; qemu-failover.md §6"),
    Message(
        "network-unknown", Severity.INFO,
        "network '{name}' is not known, so what it resolves to is not checked (start-time rules, hostdev pools)",
        "libvirt resolves <interface type='network'> against the network definition when the domain starts.",
        "Pass the network definition: --network {name}.xml (from virsh net-dumpxml {name}).",
        source="DESIGN.md (--network); libvirt-teaming.md §2.2 Q3"),
    Message(
        "transient-no-persistent-member", _W,
        "the domain has transient devices but no <teaming type='persistent'/> NIC; no VF will be hidden",
        "QEMU hides a primary only when a failover=on virtio device with the matching id comes first.",
        "Add a virtio NIC with <teaming type='persistent'/> and a ua- alias.",
        source="real-libvirt-qemu.md §5, §8.3"),
)

MESSAGES: Final[dict[str, Message]] = {m.code: m for m in (*ERRORS, *ADVISORIES)}


def message(code: str) -> Message:
    """The table entry for ``code`` (a ``KeyError`` names an unknown code)."""
    return MESSAGES[code]
