"""The precopy model against hand-computed values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamkit.failover.params import Params
from teamkit.failover.precopy import gbit_to_mib_s, precopy

__all__: list[str] = []


class TestConverging:
    def test_two_passes_then_switchover(self) -> None:
        # M = 1024 MiB, D = 64 MiB/s, B = 256 MiB/s, T = 0.3 s  ->  threshold B*T = 76.8 MiB
        # pass 1: 1024 MiB / 256 = 4 s; dirtied 64 * 4 = 256 MiB   (256 >= 76.8: go on)
        # pass 2:  256 MiB / 256 = 1 s; dirtied 64 * 1 =  64 MiB   (64 < 76.8: stop)
        # stop-and-copy: 64 / 256 = 0.25 s; precopy 4 + 1 = 5 s; total 5.25 s; sent 1024 + 256 + 64 = 1344 MiB
        r = precopy(ram_mib=1024, dirty_mib_s=64, bandwidth_mib_s=256, max_downtime_s=0.3)
        assert [p.sent_mib for p in r.passes] == [1024, 256]
        assert [p.seconds for p in r.passes] == [4, 1]
        assert [p.dirtied_mib for p in r.passes] == [256, 64]
        assert (r.final_mib, r.downtime_s, r.precopy_s, r.total_s, r.sent_mib) == (64, 0.25, 5, 5.25, 1344)
        assert r.converged and r.iterations == 2

    def test_the_threshold_is_strict(self) -> None:
        # as above with T = 0.25 s: threshold 64 MiB, and 64 is not < 64, so a third pass runs
        # pass 3: 64 / 256 = 0.25 s; dirtied 64 * 0.25 = 16 MiB (< 64: stop)
        # stop-and-copy 16 / 256 = 0.0625 s; precopy 5.25 s; total 5.3125 s
        r = precopy(ram_mib=1024, dirty_mib_s=64, bandwidth_mib_s=256, max_downtime_s=0.25)
        assert [p.sent_mib for p in r.passes] == [1024, 256, 64]
        assert (r.final_mib, r.downtime_s, r.precopy_s, r.total_s) == (16, 0.0625, 5.25, 5.3125)

    def test_small_ram_goes_straight_to_stop_and_copy(self) -> None:
        # 10 MiB < B*T = 100 * 0.3 = 30 MiB: no pass; downtime 10 / 100 = 0.1 s
        r = precopy(ram_mib=10, dirty_mib_s=5, bandwidth_mib_s=100, max_downtime_s=0.3)
        assert r.passes == () and r.downtime_s == 0.1 and r.converged

    def test_nothing_to_send(self) -> None:
        r = precopy(ram_mib=0, dirty_mib_s=5, bandwidth_mib_s=100, max_downtime_s=0.3)
        assert r.passes == () and r.downtime_s == 0 and r.total_s == 0

    def test_idle_guest_sends_once(self) -> None:
        # D = 0: pass 1 sends 512 MiB in 512 / 128 = 4 s and nothing is dirtied
        r = precopy(ram_mib=512, dirty_mib_s=0, bandwidth_mib_s=128, max_downtime_s=0.3)
        assert [p.sent_mib for p in r.passes] == [512] and r.final_mib == 0 and r.total_s == 4


class TestNotConverging:
    def test_dirty_rate_equal_to_bandwidth_hits_the_cap(self) -> None:
        # M = 100, D = B = 100: every pass sends 100 MiB in 1 s and 100 MiB are dirty again
        # cap 3: 3 passes (3 s), forced stop-and-copy of 100 MiB = 1 s of downtime (T was 0.1 s)
        r = precopy(ram_mib=100, dirty_mib_s=100, bandwidth_mib_s=100, max_downtime_s=0.1, max_iterations=3)
        assert [p.sent_mib for p in r.passes] == [100, 100, 100]
        assert (r.final_mib, r.downtime_s, r.precopy_s, r.converged) == (100, 1, 3, False)

    def test_dirtied_ram_never_exceeds_guest_ram(self) -> None:
        # M = 50, D = 200, B = 100: pass 1 takes 0.5 s, the guest could dirty 100 MiB but has only 50
        r = precopy(ram_mib=50, dirty_mib_s=200, bandwidth_mib_s=100, max_downtime_s=0.1, max_iterations=2)
        assert [p.dirtied_mib for p in r.passes] == [50, 50]


def test_gbit_conversion() -> None:
    # 1.3 Gbit/s = 1.3e9 / 8 = 162.5e6 B/s = 162.5e6 / 1048576 MiB/s = 154.972... MiB/s
    assert gbit_to_mib_s(1.3) == pytest.approx(154.9720764, rel=1e-9)


def test_the_default_parameters_reproduce_the_lab() -> None:
    # 88 MiB at 154.97 MiB/s = 0.568 s in one pass; the lab measured 0.50-0.60 s for 86.8-91.1 MiB at ≈1.3 Gbit/s
    # (real-failover-lab.md §6). Dirtied 2 * 0.568 = 1.14 MiB -> 7.3 ms, well below the 300 ms limit.
    p = Params()
    r = precopy(ram_mib=p.guest_ram_mib, dirty_mib_s=p.dirty_rate_mib_s, bandwidth_mib_s=p.bandwidth_mib_s,
                max_downtime_s=p.max_downtime_s, max_iterations=p.max_iterations)
    assert r.iterations == 1
    assert 0.50 <= r.precopy_s <= 0.60
    assert r.downtime_s == pytest.approx(1.1357 / 154.972, rel=1e-3)


@pytest.mark.parametrize("kwargs", [
    {"ram_mib": -1}, {"dirty_mib_s": -1}, {"bandwidth_mib_s": 0}, {"max_downtime_s": 0}, {"max_iterations": 0},
])
def test_rejects_impossible_inputs(kwargs: dict[str, float]) -> None:
    base: dict[str, float] = {"ram_mib": 1, "dirty_mib_s": 1, "bandwidth_mib_s": 1, "max_downtime_s": 1}
    with pytest.raises(ValueError):
        precopy(**{**base, **kwargs})  # type: ignore[arg-type]


@given(
    ram=st.floats(0, 1e6), dirty=st.floats(0, 1e4), bandwidth=st.floats(1, 1e4), limit=st.floats(0.001, 10),
    cap=st.integers(1, 50),
)
def test_invariants(ram: float, dirty: float, bandwidth: float, limit: float, cap: int) -> None:
    r = precopy(ram_mib=ram, dirty_mib_s=dirty, bandwidth_mib_s=bandwidth, max_downtime_s=limit, max_iterations=cap)
    assert len(r.passes) <= cap
    assert math.isclose(r.total_s, math.fsum(p.seconds for p in r.passes) + r.final_mib / bandwidth, rel_tol=1e-9)
    if r.converged:
        assert r.final_mib == 0 or r.final_mib < bandwidth * limit
    else:
        assert len(r.passes) == cap
    assert all(p.dirtied_mib <= ram for p in r.passes)
