"""Errors of the failover layer: bad parameters, unknown or impossible scenarios, domains without a pair."""

from __future__ import annotations

from collections.abc import Sequence

from teamkit.errors import TeamkitError

__all__ = ["NoFailoverPairError", "ParameterError", "ScenarioError"]


class ParameterError(TeamkitError, ValueError):
    """A scenario parameter is unknown or its value is out of range (a usage error)."""

    def __init__(self, key: str, problem: str, *, valid_keys: Sequence[str] = ()) -> None:
        self.key = key
        self.problem = problem
        self.valid_keys = tuple(valid_keys)
        text = f"parameter {key!r}: {problem}"
        if self.valid_keys:
            text += f" (valid keys: {', '.join(self.valid_keys)})"
        super().__init__(text)


class ScenarioError(TeamkitError, ValueError):
    """A scenario name is unknown, or the domain and guest make the scenario impossible."""

    def __init__(self, scenario: str, problem: str) -> None:
        self.scenario = scenario
        self.problem = problem
        super().__init__(f"scenario {scenario!r}: {problem}")


class NoFailoverPairError(TeamkitError, ValueError):
    """The domain has no ``<teaming type='transient'>`` member, so there is nothing to fail over."""

    def __init__(self, domain_name: str | None, problem: str = "") -> None:
        self.domain_name = domain_name
        name = domain_name or "(unnamed)"
        detail = problem or (
            "no failover pair: no <interface> or <hostdev> carries <teaming type='transient' persistent='…'/>"
        )
        super().__init__(f"domain {name}: {detail}")
