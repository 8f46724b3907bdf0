"""A short load test: 50 screens at the protocol level against a board on a demo store with the live demo
feeding it. The full figures (200 and 500 screens, and the soak) come from `make load` and `make soak`."""

import asyncio

from givingday import load


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
