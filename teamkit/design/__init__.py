"""Designing a failover pair from a few choices: the design, its libvirt XML, and teamkit's verdict on it."""

from __future__ import annotations

from teamkit.design.evaluate import Evaluation, device_graph_source, evaluate, evaluate_text, parse_networks
from teamkit.design.mapping import MappedDesign, design_from_domain
from teamkit.design.spec import (
    MACHINES,
    MAX_PAIRS,
    NIC_MODELS,
    PERSISTENT_TYPES,
    QEMU_CHOICES,
    SOURCE_LABELS,
    TRANSIENT_KINDS,
    PairDesign,
    VfAddress,
    design_problems,
    domain_xml,
    networks_xml,
)

__all__ = [
    "MACHINES",
    "MAX_PAIRS",
    "NIC_MODELS",
    "PERSISTENT_TYPES",
    "QEMU_CHOICES",
    "SOURCE_LABELS",
    "TRANSIENT_KINDS",
    "Evaluation",
    "MappedDesign",
    "PairDesign",
    "VfAddress",
    "design_from_domain",
    "design_problems",
    "device_graph_source",
    "domain_xml",
    "evaluate",
    "evaluate_text",
    "networks_xml",
    "parse_networks",
]
