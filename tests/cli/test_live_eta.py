"""The ETA of linksim run's grid bar: progress counts finished points and the finished share
of points in flight; remaining = elapsed per unit of progress x units left."""
from __future__ import annotations

from linksim.cli._live import Eta, clock


def test_eta_from_finished_points_and_points_in_flight():
    eta = Eta(todo=10, start=100.0)
    assert eta.remaining(now=105.0) is None          # no progress yet
    eta.finished = 2
    assert eta.remaining(now=120.0) == 80.0          # 10 s a point, 8 left
    eta.flight[1] = [5, 10]                          # half of a third point
    assert eta.remaining(now=125.0) == 25.0 / 2.5 * 7.5
    eta.finished, eta.flight = 10, {}
    assert eta.remaining(now=200.0) == 0.0


def test_clock():
    assert clock(0) == "0:00:00" and clock(3725.4) == "1:02:05" and clock(-3) == "0:00:00"
