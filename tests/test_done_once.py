"""A click whose write must happen once: `widgets.done_once` runs it once per key within its seconds, across
threads (a double click's two runs) and whatever the page's session state says, and records nothing that failed."""

import threading
import time

import pytest

from givingday.web.widgets import done_once


def test_the_second_of_two_clicks_at_once_gets_the_first_ones_result():
    ran = []

    def write() -> int:
        time.sleep(0.2)  # the first run is still writing when the second asks
        ran.append(1)
        return len(ran)

    got = []
    runs = [threading.Thread(target=lambda: got.append(done_once(("t", "ana", "same"), write, 5))) for _ in range(2)]
    for r in runs:
        r.start()
    for r in runs:
        r.join()
    assert ran == [1]
    assert sorted(got, key=lambda g: not g[1]) == [(1, True), (1, False)]
    assert done_once(("t", "ana", "other"), write, 5) == (2, True)  # other figures are another click


def test_a_click_after_the_window_runs_again_and_a_failure_is_not_remembered():
    assert done_once(("w", "ana"), lambda: "first", 0.05) == ("first", True)
    time.sleep(0.06)
    assert done_once(("w", "ana"), lambda: "again", 0.05) == ("again", True)

    def broken() -> str:
        raise ValueError("the file cannot be read")

    with pytest.raises(ValueError):
        done_once(("f", "ana"), broken, 5)
    assert done_once(("f", "ana"), lambda: "read", 5) == ("read", True)


def test_a_long_act_keeps_only_its_own_second_click_waiting():
    """An upload of a million rows runs for many seconds inside `done_once`: another person's click (another key)
    goes through meanwhile; only the same click sent again waits, and then gets the first one's result."""
    started, release = threading.Event(), threading.Event()

    def upload() -> str:
        started.set()
        release.wait(5)
        return "imported"

    got = []
    first = threading.Thread(target=lambda: got.append(done_once(("long", "ana"), upload, 5)))
    first.start()
    started.wait(5)
    again = threading.Thread(target=lambda: got.append(done_once(("long", "ana"), lambda: "twice", 5)))
    again.start()
    t = time.monotonic()
    assert done_once(("refund", "lee"), lambda: "refunded", 5) == ("refunded", True)  # not behind the upload
    assert time.monotonic() - t < 1
    assert got == []  # the upload and its second click still wait
    release.set()
    first.join()
    again.join()
    assert sorted(got, key=lambda g: not g[1]) == [("imported", True), ("imported", False)]
