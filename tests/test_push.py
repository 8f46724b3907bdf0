"""The pushed-screens load tool's own parts (givingday/ops/push.py): reading a screen's stream as the board sends
it, and judging each change. The 10,000-screen run itself is `make load-10k` (docs/performance.md)."""

import asyncio
import collections
import resource

from givingday import config
from givingday.ops import push
from givingday.screens import stream

PAGE = '<div class="gd"><div class="big" id="headline-total" data-fen="{}">¥{}</div></div>'


class Quiet:
    """What a message reads of a snapshot, for a screen with no milestone passed and no goal reached."""

    def milestone_passed(self) -> None:
        return None

    def goals_reached(self) -> list[str]:
        return []


def sent(*totals: int, gzip: bool = True) -> bytes:
    """A stream's bytes as the board writes them: headers, the retry, then one message per total, chunked."""
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
    head += b"content-encoding: gzip\r\n\r\n" if gzip else b"\r\n"
    body = stream.chunk(stream.GZIP_RETRY if gzip else stream.RETRY)
    for total in totals:
        made = stream.Message.of(stream.message(PAGE.format(total, total), Quiet(), 5))
        body += made.deflated_chunk if gzip else made.plain_chunk
        body += stream.chunk(stream.GZIP_KEEPALIVE if gzip else stream.KEEPALIVE)
    return head + body


def read(data: bytes, pieces: int) -> push.StreamScreen:
    """`data` given to one screen in `pieces` reads of about equal size, as TCP may cut it."""

    async def go() -> push.StreamScreen:
        screen = push.StreamScreen(b"", asyncio.Event(), push.Totals())
        step = max(1, len(data) // pieces)
        for at in range(0, len(data), step):
            screen.data_received(data[at : at + step])
        return screen

    return asyncio.run(go())


def test_a_screen_notes_each_new_total_however_its_bytes_are_cut():
    for gzip in (True, False):
        data = sent(1500, 1500, 2700, 9100, gzip=gzip)
        for pieces in (1, 7, 301, len(data)):
            screen = read(data, pieces)
            assert [fen for fen, _ in screen.seen] == [1500, 2700, 9100], (gzip, pieces)
            assert screen.status == b"HTTP/1.1 200 OK" and screen.deflated is gzip and not screen.buffer


def test_a_refused_screen_notes_nothing():
    screen = read(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 5\r\n\r\nTooMa", 1)
    assert screen.status == b"HTTP/1.1 503 Service Unavailable" and screen.seen == [] and screen.ready.is_set()


def test_each_change_is_judged_on_every_screen_from_its_sending():
    changes = [push.Change(fen=100, total=1100, sent=10.0), push.Change(fen=50, total=1150, sent=12.0)]
    held = [
        push.Held(0, "200", [(1000, 9.0), (1100, 10.4), (1150, 12.3)], 0, False),
        push.Held(1, "200", [(1000, 9.0), (1150, 12.5)], 0, False),  # both gifts in one snapshot
        push.Held(2, "200", [(1000, 9.0), (1100, 11.5)], 0, True),  # dropped before the second
        push.Held(3, "503", [], 0, False),  # held no stream: not judged
    ]
    push.judge(changes, held)
    assert [round(x, 3) for x in changes[0].lags] == [0.4, 2.5, 1.5] and changes[0].missing == 0
    assert [round(x, 3) for x in changes[1].lags] == [0.3, 0.5] and changes[1].missing == 1
    assert changes[0].share_within(1.0) == 1 / 3 and changes[1].slowest == float("inf")


def test_the_verdict_names_each_miss():
    quick = push.Change(1, 1, 0.0, lags=[0.2, 0.9])
    late = push.Change(1, 2, 0.0, lags=[0.2, 1.2])
    result = push.PushResult(
        sessions=3,
        sites=137,
        held=2,
        refused=collections.Counter({"HTTP/1.1 503 Service Unavailable": 1}),
        dropped=1,
        changes=[quick, late],
        first_gift=3.0,
        quiet_cores=0.3,
        server_cores=1.25,
        server_cores_peak=1.9,
        client_cores=0.4,
        rss_idle=0,
        rss_held=0,
        rss_end=0,
        received=0,
        window=5.0,
        load_before=(0.0, 0.0, 0.0),
        load_after=(0.0, 0.0, 0.0),
    )
    assert result.misses(1.0, 1.0) == [
        "1 screens held no stream",
        "1 streams dropped",
        "changes [2] missed a screen's 1 s",
        "server CPU 1.25 cores > 1",
    ]
    quick_only = push.PushResult(**{**result.__dict__, "held": 3, "dropped": 0, "changes": [quick]})
    assert quick_only.misses(1.0, 1.5) == []


def test_the_open_files_limit_is_raised_to_the_hard_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))
        assert config.raise_open_files_limit() == hard
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_each_page_s_screens_are_dealt_over_the_boards_and_each_client_holds_one_board_s():
    dealt = push._dealt(sessions=10, queries=3, boards=2, clients=4)
    assert dealt == [(0, [0, 1, 2]), (0, [2, 0]), (1, [1, 2, 0]), (1, [0, 1])]
    by_board = {b: sorted(q for board, picks in dealt if board == b for q in picks) for b in (0, 1)}
    assert by_board == {0: [0, 0, 1, 2, 2], 1: [0, 0, 1, 1, 2]}  # every page on both boards, by turns
    assert push._dealt(sessions=4, queries=2, boards=1, clients=4) == [(0, [0]), (0, [1]), (0, [0]), (0, [1])]


def test_a_board_s_figures_split_its_own_gifts_from_the_other_boards():
    from givingday.ops.server import Board

    changes = [push.Change(100, 1100, 10.0, board=0), push.Change(50, 1150, 12.0, board=1)]
    held = [
        push.Held(0, "200", [(1100, 10.4), (1150, 12.9)], 0, False),
        push.Held(1, "200", [(1100, 10.2)], 0, True),  # dropped before the second gift
        push.Held(2, "503", [], 0, False),
    ]
    figures = push.by_board(0, Board("http://b1", 1, config.ROOT), changes, held, 0.25)
    assert ([round(x, 3) for x in figures.own], [round(x, 3) for x in figures.other]) == ([0.4, 0.2], [0.9])
    assert (figures.held, figures.errors, figures.cores) == (2, 3, 0.25)  # refused, dropped, one change missed
    assert changes[0].lags == []  # the run's own changes are left to the run's judging
