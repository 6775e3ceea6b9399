"""The failover tables are consistent with each other and with qemu-failover.md's constants."""

from __future__ import annotations

import doctest
import importlib

import pytest

from teamkit.failover.tables import (
    ACTIONS,
    ACTORS,
    CANCEL_GRACE_POLLS,
    DATAPATH_EVENTS,
    DATAPATHS,
    MIGRATION_STATES,
    QMP_EVENTS,
    SCENARIOS,
    WAIT_UNPLUG_POLL_S,
)

__all__: list[str] = []


def test_constants() -> None:
    assert CANCEL_GRACE_POLLS * WAIT_UNPLUG_POLL_S == 30.0  # "30 s (120 × 250 ms)", Key fact 5


def test_actor_ids_and_names() -> None:
    assert list(ACTORS) == ["management", "libvirt", "src-qemu", "dst-qemu", "guest"]
    assert [a.abbreviation for a in ACTORS.values()] == ["MGMT", "LV", "SQ", "DQ", "G"]


def test_every_entry_cites_a_source() -> None:
    for table in (QMP_EVENTS, MIGRATION_STATES, ACTIONS, SCENARIOS):
        for key, entry in table.items():
            assert ".md" in entry.source, key


def test_action_recipients_are_actors() -> None:
    for action in ACTIONS.values():
        assert set(action.to) <= set(ACTORS), action.name


def test_datapath_events_are_known() -> None:
    assert set(QMP_EVENTS) | set(ACTIONS) >= DATAPATH_EVENTS
    assert list(DATAPATHS) == ["vf", "virtio", "none"]


def test_terminal_states() -> None:
    assert {n for n, s in MIGRATION_STATES.items() if s.terminal} == {"completed", "cancelled", "failed"}


MODULES = ["teamkit.failover.precopy", "teamkit.failover.params"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(name))
    assert failures == 0 and tried > 0
