"""Reads that must agree are read as of one moment (`Store.reading`): a gift committed between two statements of
one console refresh, or of one pass of the screens, is in all of them or in none."""

import datetime as dt

import pytest

from givingday.console import figures as console
from givingday.console.rollup_figures import RollupRows
from givingday.ingest.batch import import_bytes
from givingday.screens import snapshot as screens
from tests.conftest import CANONICAL_HEADER

pytestmark = pytest.mark.both_stores

GIFTS = (
    CANONICAL_HEADER + "G1,2020-09-07 10:00:00,100,0,P001,,,qr,张三\nG2,2020-09-07 10:05:00,50,0,P002,,S001,qr,李四\n"
)
LATE = CANONICAL_HEADER + "G3,2020-09-07 10:10:00,7,0,P001,,,qr,王五\n"


def noon(store) -> dt.datetime:
    return dt.datetime(2020, 9, 7, 12, tzinfo=store.event.tz)


class CommitsBeforeTheTables(RollupRows):
    """The console's reader on a busy day: another gift commits after the windows are read, before the tables."""

    def __init__(self, writer) -> None:
        self.writer = writer

    def breakdown(self, store, *args, **filters):
        import_bytes(self.writer, LATE.encode(), "late.csv")
        return super().breakdown(store, *args, **filters)


def event_window_fen(figures: dict) -> int:
    return next(r["total_fen"] for r in figures["windows"]["rows"] if r["key"] == "event")


def test_one_console_refresh_reads_one_moment(store):
    import_bytes(store, GIFTS.encode(), "gifts.csv")
    with store.reading() as moment:
        one = console.figures(moment, console.Filters(), store.event, noon(store), read=CommitsBeforeTheTables(store))
    assert (event_window_fen(one), one["range_total_fen"], one["range_donations"]) == (15_000, 15_000, 2)
    assert [g["donation_id"] for g in one["latest"].to_dict("records")] == ["G2", "G1"]
    after = console.figures(store, console.Filters(), store.event, noon(store))
    assert (event_window_fen(after), after["range_total_fen"]) == (15_700, 15_700)  # the next refresh has it


def test_without_one_moment_the_same_refresh_would_disagree_with_itself(store):
    """What `reading` prevents, shown: the same reads, each on its own connection."""
    import_bytes(store, GIFTS.encode(), "gifts.csv")
    torn = console.figures(store, console.Filters(), store.event, noon(store), read=CommitsBeforeTheTables(store))
    assert (event_window_fen(torn), torn["range_total_fen"]) == (15_000, 15_700)


def test_one_pass_of_the_screens_reads_one_moment(store, monkeypatch):
    import_bytes(store, GIFTS.encode(), "gifts.csv")
    newest = screens._tickers

    def after_a_commit(*args, **kwargs):
        import_bytes(store, LATE.encode(), "late.csv")
        return newest(*args, **kwargs)

    monkeypatch.setattr(screens, "_tickers", after_a_commit)
    snap = screens.take_snapshots(store, [None], now=noon(store))[None]
    assert (snap.totals["total_fen"], snap.totals["donations"]) == (15_000, 2)
    assert [g["amount_fen"] for g in snap.latest] == [5_000, 10_000]  # not G3's 700: the totals do not count it
