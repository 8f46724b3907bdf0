"""`givingday serve`: make sure the store exists (with the demo roster when none is loaded), then run the
Streamlit app in this process's place. The app starts the inbox worker itself (BRIEF constraint 1)."""

from __future__ import annotations

import argparse
import os
import sys

from givingday import config
from givingday.roster import load_roster
from givingday.store import Store


def prepare_store(location: str | None) -> Store:
    store = Store(location)
    store.migrate()
    if not store.query("store_counts")[0]["projects"]:
        roster = load_roster(store, config.ROSTER_DIR)
        print(f"demo roster loaded: {len(roster.projects)} projects, {len(roster.teams)} teams, {len(roster.sites)} sites")
    return store


def serve(args: argparse.Namespace) -> int:
    location = config.db_location(args.db)
    store = prepare_store(location)
    store.dispose()
    os.environ["GIVINGDAY_DB"] = location
    print(f"store {location}; inbox {config.inbox_dir(location)}; open http://localhost:{args.port}/")
    argv = [sys.executable, "-m", "streamlit", "run", str(config.ROOT / "app.py"), "--server.port", str(args.port)]
    os.chdir(config.ROOT)
    os.execv(sys.executable, argv)
    return 0  # not reached
