"""The docstring examples of the qemu layer and the PCI module run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

__all__: list[str] = []

MODULES = ["teamkit.qemu.version", "teamkit.qemu.props", "teamkit.qemu.devices", "teamkit.qemu.argv",
           "teamkit.libvirt.pci"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    failures, _ = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert failures == 0
