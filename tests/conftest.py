"""Shared fixtures: a fresh store on the small fixture roster, and helpers to write files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from givingday.config import ROOT
from givingday.ingest import inbox
from givingday.ingest.roster import load_roster
from givingday.screens import feed as screen_feed
from givingday.store import database as store_module
from givingday.store.database import Store
from givingday.web import board

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_REAL = ROOT.parent / "shared" / "data" / "real"

CANONICAL_HEADER = "donation_id,occurred_at,amount_yuan,matched_yuan,project,team,site,channel,donor_name\n"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "g.duckdb"


@pytest.fixture
def store(db_path: Path) -> Store:
    s = Store(str(db_path))
    s.migrate()
    load_roster(s, FIXTURES / "roster")
    yield s
    s.dispose()


@pytest.fixture
def page_store(store, monkeypatch):
    """Pages (AppTest) read the test's store; their caches are emptied afterwards so no connection outlives
    the test."""
    monkeypatch.setattr(store_module, "_adopted", store)
    yield store
    screen_feed.stop_shared()  # the feed a page test's big screen started
    board.cached_query.clear()
    board.cached_console.clear()
    board.cached_alerts.clear()
    board.shared_store.clear()
    inbox.stop_worker()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def snapshot(store: Store) -> dict:
    """Everything a bad file must not change."""
    return {
        "donations": store.query("totals_overall")[0],
        "by_project": store.query("totals_by_project", since=None, until=None),
        "rejected": store.scalar("select count(*) from rejected_rows"),
    }


def run_cli(*args: str, db: Path, cwd: Path | None = None, input: str | None = None, env: dict | None = None):
    """`python -m givingday …` in a subprocess, as a user runs it."""
    full_env = {**os.environ, "GIVINGDAY_DB": str(db), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "givingday", *args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
    )
