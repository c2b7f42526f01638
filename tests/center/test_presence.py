"""Who is on duty: an open event stream or a recent heartbeat; a closed console stops counting
after ``presence_s``; signing out or ending the shift stops it at once (an injected clock)."""

from __future__ import annotations

from gwanje.center.alerts.presence import Presence


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_presence_follows_the_stream_and_the_heartbeat() -> None:
    clock = Clock()
    p = Presence(30.0, clock=clock)
    p.stream_opened("kim", "operator")
    p.heartbeat("park", "supervisor")
    p.heartbeat("admin", "admin")
    assert [c.username for c in p.on_duty()] == ["kim", "park"]  # an admin's console is not a wall
    clock.t += 300
    assert [c.username for c in p.on_duty()] == ["kim"]  # the stream is still open
    p.stream_closed("kim")  # the tab closed
    clock.t += 29
    assert [c.username for c in p.on_duty()] == ["kim"]
    clock.t += 2
    assert p.on_duty() == []
    p.heartbeat("kim", "operator")
    assert p.present()[0].since == clock.t  # a new stay, not the old one
    p.gone("kim")
    assert p.present() == []


def test_two_tabs_count_until_both_close() -> None:
    clock = Clock()
    p = Presence(30.0, clock=clock)
    p.stream_opened("kim", "operator")
    p.stream_opened("kim", "operator")
    p.stream_closed("kim")
    clock.t += 100
    assert [c.streams for c in p.present()] == [1]
