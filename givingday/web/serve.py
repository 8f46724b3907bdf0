"""`givingday serve`: open the store (with the demo roster when none is loaded), start the inbox worker, and
run the Streamlit server in this same process, so the worker runs from the first second, before any browser
opens a page, and the app's pages share the very store the worker writes to (one process holds a DuckDB
file; no other can open it, not even read-only)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time

from givingday import accounts, board_link, clock, config
from givingday.ingest import inbox, reconcile
from givingday.ingest.roster import load_roster
from givingday.store.database import Store, StoreDamaged, adopt
from givingday.store.leader import Leadership

CATCH_UP_SECONDS = 60  # the longest a starting board waits for the files already in its inbox


def open_store(location: str | None) -> Store:
    """The store, with a damaged write-ahead log set aside (said loudly): the board must come up on the day,
    and what the log held is imported again from processed/ by `prepare_store`."""
    try:
        return Store(location)
    except StoreDamaged as exc:
        if exc.wal is None:
            raise
        aside = exc.wal.with_name(f"{exc.wal.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        exc.wal.rename(aside)
        print(f"WARNING: {exc}\nWARNING: the damaged log is kept as {aside}", file=sys.stderr)
        return Store(location)


def recover_lost_imports(store: Store) -> None:
    """Say loudly, and import again, committed inbox files whose gifts the store no longer holds."""
    missing = reconcile.missing_imports(store, store.inbox.parent / "processed")
    if not missing:
        return
    lost = sum(m.rows_new for m in missing)
    print(
        f"WARNING: the store lacks {len(missing)} committed file(s) ({lost:,} gifts) that processed/ holds;"
        " importing them again",
        file=sys.stderr,
    )
    for r in reconcile.reimport(store, missing):
        print(f"WARNING:   {r.summary()}", file=sys.stderr)


def prepare_store(location: str | None) -> Store:
    store = open_store(location)
    store.migrate()
    recover_lost_imports(store)
    if not store.query("store_counts")[0]["projects"]:
        roster = load_roster(store, config.ROSTER_DIR)
        print(
            f"demo roster loaded: {len(roster.projects)} projects, {len(roster.teams)} teams, {len(roster.sites)} sites"
        )
    return store


def demo_wanted(store: Store) -> bool:
    """The demo plays unless GIVINGDAY_DEMO=0, and only into a store with no gifts but its own: never among
    real ones, whatever files lie beside the store."""
    if not config.demo_enabled():
        return False
    from givingday.demo import simulate

    origin = simulate.store_origin(store)
    if origin in ("real", "mixed"):
        if clock.read_clock(store.location) is not None:
            print("the store holds real gifts, so the demo does not play into it (its demo_clock.json is ignored)")
        return False
    return origin == "empty" or clock.read_clock(store.location) is not None


def lead_once_only(store: Store, demo: bool) -> Leadership:
    """The work one board does for all (the demo, when it plays): at once on DuckDB; on PostgreSQL by the board that
    holds the once-only lock, taken over by another within seconds when that board dies (store/leader.py)."""
    playing = []

    def gain() -> None:
        if not store.is_duckdb:
            print("this board leads: it does the once-only work (the demo, when it plays)", flush=True)
        if demo:
            from givingday.demo import simulate

            playing.append(simulate.start_demo(store))
            t = store.query("totals_overall")[0]
            print(
                f"demo giving day playing: {t['donations']:,} gifts so far (GIVINGDAY_DEMO=0 turns it off)", flush=True
            )

    def lose() -> None:
        print("this board no longer leads: another board does the once-only work", flush=True)
        while playing:
            feed = playing.pop()
            if feed is not None:
                feed.stop()

    return Leadership(store, gain, lose).start()


def log_to_stderr() -> None:
    """The board's own messages (failed files, store renewals; each import at INFO) go to the server's output,
    at the level GIVINGDAY_LOG_LEVEL names (WARNING unless set)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("givingday")
    logger.addHandler(handler)
    logger.setLevel(config.log_level())
    logger.propagate = False


def _before_runtime(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("No runtime found")


def quiet_streamlit() -> None:
    """The ASGI app imports `web.board` before Streamlit's runtime exists, and each of its cached functions then
    warns "No runtime found" (its caches are made at their first call, under the runtime): keep that off.

    Streamlit also asks a web service on the internet for the machine's public address, to print it at the start
    and to allow a page from it: the board runs on a district's own network, with no internet on the day, and
    tells nobody outside that it started. The answer is given as none, so nothing is asked (without this, each
    start waited two seconds and said "Did not auto detect external IP")."""
    from streamlit import net_util

    logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(_before_runtime)
    net_util._external_ip = ""  # noqa: SLF001 - the one way to say "none" before Streamlit looks it up


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(args: argparse.Namespace) -> int:
    from streamlit import config as st_config
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import bootstrap

    log_to_stderr()
    quiet_streamlit()
    config.raise_open_files_limit()  # a socket per wall screen (givingday/screens/stream.py MAX_STREAMS)
    location = config.db_location(args.db)
    config.share_db_location(location)
    os.chdir(config.ROOT)  # Streamlit reads .streamlit/config.toml from here
    store = prepare_store(location)
    adopt(store)
    worker = inbox.start_once(store)
    # Files that waited in the inbox while the board was down are taken before it answers, so a screen that moves
    # back to this board from another does not see figures older than the ones it showed. Not taken first: a file
    # still being written, one another board claimed, and the rest of a very large one after CATCH_UP_SECONDS.
    if not worker.first_look.wait(CATCH_UP_SECONDS):
        print(f"the inbox is still importing after {CATCH_UP_SECONDS} s; serving meanwhile", file=sys.stderr)
    lead_once_only(store, demo_wanted(store))
    print(
        f"store {store.shown}; inbox {store.inbox} (watched); open http://localhost:{args.port}/ "
        f"(plaza screens: http://localhost:{args.port}/wall?site=ID)"
    )
    try:
        nobody = not accounts.list_users(location)
    except accounts.AccountsUnreadable as exc:
        print(f"warning: nobody can sign in until the accounts file is mended: {exc}", file=sys.stderr)
        nobody = False
    if nobody:
        print(
            f"the console (http://localhost:{args.port}/console) needs an account: "
            "`.venv/bin/python -m givingday user add NAME --role organizer`"
        )
    # app.py lists the pages itself (st.navigation), by role. Without this, Streamlit's legacy multipage mode
    # would run a `pages/*.py` file straight from its URL for the first request after a start.
    PagesManager.uses_pages_directory = False
    main_script = str(config.ROOT / "app.py")
    st_config._main_script_path = main_script
    flags = {"server_port": args.port}
    bootstrap.load_config_options(flag_options=flags)
    # `totals`, `report` and `status` typed while the board runs are answered by it (givingday/board_link.py).
    token = board_link.publish(location, args.port, st_config.get_option("server.baseUrlPath"))
    # uvicorn stops gracefully on SIGTERM and then raises it again to the handler it found: this one, so the
    # `finally` below runs instead of the default action ending the process on the spot.
    signal.signal(signal.SIGTERM, _stopped)
    try:
        # The board with the wall beside it (givingday/web/asgi.py), served by Streamlit's own uvicorn runner.
        bootstrap.run_asgi_app(main_script, "givingday.web.asgi:app", [], flags)
    finally:
        board_link.withdraw(location, token)
        # End here, as the signal's default would: DuckDB's bindings report "leaked" objects at interpreter
        # exit, and the store needs no goodbye (its write-ahead log is replayed at the next start).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
