"""A short load test: 50 screens at the protocol level against a board on a demo store with the live demo
feeding it. The full figures (200 and 500 screens, and the soak) come from `make load` and `make soak`."""

import asyncio

import pytest

from givingday.ops import load


@pytest.mark.load
def test_fifty_screens_keep_up_with_the_live_demo():
    with load.demo_server(backfill_until="12:00") as (url, pid):
        result = asyncio.run(load.run_load(url, sessions=50, duration=30, query="embed=true&refresh=2", server_pid=pid))
    print(result.report())
    assert result.interval == 2  # the page honoured refresh=2 (the browser's timer runs at what the server says)
    assert result.errors == []
    assert result.stalled == 0
    # 25 refreshes a second is a tenth of what 500 screens ask; on a 2-core machine shared with other test runs
    # it must still keep up. The margin below 100% is the refreshes still in flight when the window closes.
    assert result.achieved >= 0.95, result.report()
    assert result.pct(0.95) < 2.0, result.report()  # a loose bound: the real targets are measured by `make load`
    assert result.server_rss_end > 0 and result.server_cores > 0


@pytest.mark.load
def test_fifty_wall_screens_keep_up_with_the_live_demo():
    with load.demo_server(backfill_until="12:00") as (url, pid):
        result = asyncio.run(
            load.run_load(url, sessions=50, duration=20, query="refresh=2", server_pid=pid, sites=["S001"], wall=True)
        )
    print(result.report())
    assert result.interval == 2  # the feed said refresh=2, and the screens' timers followed it
    assert result.errors == []
    assert result.stalled == 0
    assert result.achieved >= 0.95, result.report()
    assert result.pct(0.95) < 1.0, result.report()


def soak_result(rss_by_minute: list[float], stalled_in: tuple[int, ...] = ()) -> load.Result:
    minutes = [
        {
            "minute": i,
            "rss_mb": mb,
            "achieved_share": 1.0,
            "latency_p95_ms": 200.0,
            "server_cpu_cores": 0.3,
            "load": "0.50 0.50 0.50",
            "stalled": 1 if i in stalled_in else 0,
        }
        for i, mb in enumerate(rss_by_minute, start=1)
    ]
    return load.Result(
        screen="streamlit",
        sessions=200,
        interval=5,
        window_seconds=60 * len(minutes),
        refreshes=200 * 12 * len(minutes),
        ideal=200 * 12 * len(minutes),
        folded=0,
        interrupted=0,
        latencies=[0.2],
        errors=[],
        stalled=0,
        server_rss_idle=1,
        server_rss_start=1,
        server_rss_end=1,
        server_cores=0.3,
        client_cores=0.3,
        bytes_in=0,
        load_before=(0, 0, 0),
        load_after=(0, 0, 0),
        minutes=minutes,
    )


def test_soak_verdict_judges_memory_from_the_ten_minute_sample_and_any_stall():
    limits = load.Limits(rss_growth=0.10)
    flat = [300.0] * 9 + [320.0] + [330.0, 340.0, 325.0] * 5  # a sawtooth 6% over minute 10's sample
    assert load.verdict(soak_result(flat), limits) == []
    memory = load.rss_after_settling(soak_result(flat).minutes)
    assert (memory["base_mb"], memory["top_mb"], round(memory["growth"], 4)) == (320.0, 340.0, 0.0625)
    climbing = [300.0] * 10 + [300.0 + 2 * i for i in range(1, 21)]  # 2 MB a minute: 340 MB at minute 30
    memory = load.rss_after_settling(soak_result(climbing).minutes)
    assert round(memory["trend_mb_per_hour"], 6) == 120.0
    assert load.verdict(soak_result(climbing), limits) == ["RSS grew 13.3% after ten minutes (> 10%)"]
    assert load.verdict(soak_result(flat, stalled_in=(17,)), limits) == ["sessions stopped refreshing in minutes [17]"]
    assert load.verdict(soak_result([300.0] * 10), limits) == [
        "soak too short to judge memory: it needs more than ten minutes"
    ]


def test_every_tool_reads_the_same_percentile():
    from givingday.ops.timing import percentile

    values = [float(v) for v in range(1, 21)]  # 1 … 20
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 1.0)) == (10.0, 19.0, 20.0)
    assert percentile([3.0], 0.95) == 3.0 and percentile([], 0.95) != percentile([], 0.95)  # NaN for none
