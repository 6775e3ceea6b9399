"""teamkit: design, review and teach virtio-net failover NIC pairs (libvirt ``<teaming>``), with libvirt's answers."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
