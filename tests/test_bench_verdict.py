"""The ``make bench`` verdict on ``--workers 2``: a run whose control beats the ceiling (the
one-worker rounds ran slow) cannot show the target met."""

from __future__ import annotations

from benchmarks.bench import workers_verdict


def test_met_not_met_and_inconclusive() -> None:
    assert workers_verdict(1.72, ceiling=1.75, control=1.74) == "met"
    assert workers_verdict(1.59, ceiling=1.74, control=1.71) == "**NOT met**"
    # run 1 of the README's table at 02f2157: 1.71x, but the control reached 1.79x > 1.75x
    assert workers_verdict(1.71, ceiling=1.75, control=1.79).startswith("**inconclusive**")
    # under the target, a slow one-worker run changes nothing: still not met
    assert workers_verdict(1.60, ceiling=1.75, control=1.79) == "**NOT met**"
    assert workers_verdict(1.72, ceiling=1.75, control=None) == "met"
