"""The failover layer: the guest's view of each pair and the migration scenarios as event timelines."""

from __future__ import annotations

from teamkit.failover.errors import NoFailoverPairError, ParameterError, ScenarioError
from teamkit.failover.guest import (
    GuestNetdev,
    GuestPairView,
    GuestProblem,
    GuestProfile,
    GuestStandbyView,
    GuestView,
    guest_view,
)
from teamkit.failover.params import Params, parse_assignments
from teamkit.failover.placement import PrimaryPlacement, primary_placement
from teamkit.failover.precopy import PrecopyResult, precopy
from teamkit.failover.scenario import SCENARIO_NAMES, Applicability, applicable_scenarios, simulate
from teamkit.failover.timeline import Event, Interval, Timeline

__all__ = [
    "SCENARIO_NAMES",
    "Applicability",
    "Event",
    "GuestNetdev",
    "GuestPairView",
    "GuestProblem",
    "GuestProfile",
    "GuestStandbyView",
    "GuestView",
    "Interval",
    "NoFailoverPairError",
    "ParameterError",
    "Params",
    "PrecopyResult",
    "PrimaryPlacement",
    "ScenarioError",
    "Timeline",
    "applicable_scenarios",
    "guest_view",
    "parse_assignments",
    "precopy",
    "primary_placement",
    "simulate",
]
