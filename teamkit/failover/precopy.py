"""A standard precopy live-migration model: passes, precopy time, downtime, from RAM, dirty rate and bandwidth.

The model (Clark et al., "Live Migration of Virtual Machines", NSDI 2005; QEMU's switchover rule):

* ``M`` guest RAM to send (MiB), ``D`` dirty rate (MiB/s), ``B`` bandwidth (MiB/s), ``T`` maximum downtime (s).
* Pass ``i`` sends ``V_i`` MiB in ``t_i = V_i / B`` seconds, starting from ``V_0 = M``.
* While it runs the guest dirties ``V_{i+1} = min(M, D * t_i)`` MiB, which the next pass must send.
* Before each pass QEMU compares what is left with ``B * T`` (``threshold_size = bandwidth * downtime-limit``,
  migration/migration.c): when ``V_i < B * T`` (strictly, as QEMU tests ``pending_size < threshold_size``) it
  stops the VM and sends ``V_i`` in ``V_i / B`` seconds of downtime.
* QEMU itself never gives up; ``max_iterations`` stands for the operator (or auto-converge, or postcopy) forcing
  the switchover. A forced switchover sends whatever is left, and its downtime exceeds ``T``.

With ``r = D / B < 1`` the leftover shrinks geometrically, ``V_i = M * r**i``. With ``r >= 1`` it never shrinks and
only the iteration cap ends the precopy.

>>> result = precopy(ram_mib=1024, dirty_mib_s=64, bandwidth_mib_s=256, max_downtime_s=0.3)
>>> [p.sent_mib for p in result.passes], result.final_mib, result.downtime_s, result.total_s
([1024.0, 256.0], 64.0, 0.25, 5.25)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DEFAULT_MAX_ITERATIONS", "PrecopyPass", "PrecopyResult", "gbit_to_mib_s", "precopy"]

#: the model's iteration cap when none is given (a modelling choice: QEMU has no cap)
DEFAULT_MAX_ITERATIONS: Final = 30
_MIB: Final = 1024 * 1024


def gbit_to_mib_s(gbit_s: float) -> float:
    """Link bandwidth in Gbit/s (10**9 bit/s) as MiB/s.

    >>> round(gbit_to_mib_s(1.0), 3)
    119.209
    """
    return gbit_s * 1e9 / 8 / _MIB


@dataclass(frozen=True)
class PrecopyPass:
    """One precopy pass: what it sent, how long it took, what the guest dirtied meanwhile."""

    index: int
    sent_mib: float
    seconds: float
    dirtied_mib: float


@dataclass(frozen=True)
class PrecopyResult:
    """The outcome of the precopy model; times in seconds, sizes in MiB."""

    passes: tuple[PrecopyPass, ...]
    #: what the stop-and-copy phase sends with the VM stopped
    final_mib: float
    #: ``final_mib / B``: the RAM part of the downtime
    downtime_s: float
    #: the sum of the pass times (the VM runs during them)
    precopy_s: float
    #: False when the iteration cap forced the switchover
    converged: bool
    bandwidth_mib_s: float
    max_downtime_s: float

    @property
    def total_s(self) -> float:
        """Precopy plus stop-and-copy."""
        return self.precopy_s + self.downtime_s

    @property
    def sent_mib(self) -> float:
        """Everything sent, RAM re-sent by later passes included."""
        return sum(p.sent_mib for p in self.passes) + self.final_mib

    @property
    def iterations(self) -> int:
        return len(self.passes)


def precopy(
    *,
    ram_mib: float,
    dirty_mib_s: float,
    bandwidth_mib_s: float,
    max_downtime_s: float,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> PrecopyResult:
    """Run the precopy model; see the module docstring for the formulas."""
    if ram_mib < 0 or dirty_mib_s < 0:
        raise ValueError("ram_mib and dirty_mib_s must be >= 0")
    if bandwidth_mib_s <= 0 or max_downtime_s <= 0:
        raise ValueError("bandwidth_mib_s and max_downtime_s must be > 0")
    if max_iterations < 1:
        raise ValueError("max_iterations must be >= 1")
    threshold_mib = bandwidth_mib_s * max_downtime_s
    passes: list[PrecopyPass] = []
    pending = float(ram_mib)
    converged = True
    while pending and not pending < threshold_mib:
        if len(passes) == max_iterations:
            converged = False
            break
        seconds = pending / bandwidth_mib_s
        dirtied = min(float(ram_mib), dirty_mib_s * seconds)
        passes.append(PrecopyPass(index=len(passes) + 1, sent_mib=pending, seconds=seconds, dirtied_mib=dirtied))
        pending = dirtied
    return PrecopyResult(
        passes=tuple(passes),
        final_mib=pending,
        downtime_s=pending / bandwidth_mib_s,
        precopy_s=sum(p.seconds for p in passes),
        converged=converged,
        bandwidth_mib_s=bandwidth_mib_s,
        max_downtime_s=max_downtime_s,
    )
