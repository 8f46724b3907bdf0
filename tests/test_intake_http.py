"""The intake API over real HTTP against a running board (`givingday serve`, started by `ops.server.demo_server` on
a small demo store with the live demo off, so its figures move only by what is posted here): refusals, a
gift reaching the wall's feed, and many clients posting at once counted exactly. In this process:
test_intake.py."""

from __future__ import annotations

import json
import re
import threading

import pytest

from givingday import config, tokens
from givingday.ops.bench_api import Client
from givingday.ops.server import demo_server
from tests.conftest import english, run_cli, wait_until

pytestmark = pytest.mark.slow

PER_MINUTE = 40
CLIENTS = 6
POSTS = 30  # each client's, under its token's PER_MINUTE


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """(url, store path, {name: token}) of a board whose [api] limits are small enough to reach in a test."""
    folder = tmp_path_factory.mktemp("intake")
    event = folder / "event.toml"
    text = config.DEFAULT_EVENT.read_text(encoding="utf-8")
    text = re.sub(r"max_body_mb = .*", "max_body_mb = 0.01", text)
    event.write_text(re.sub(r"posts_per_minute = .*", f"posts_per_minute = {PER_MINUTE}", text), encoding="utf-8")
    names = ["relay", "burst", "revoked", *(f"client-{i}" for i in range(CLIENTS))]
    made: dict[str, object] = {}

    def prepare(db):
        made["db"] = db
        made["tokens"] = {name: tokens.add_token(name, str(db)) for name in names}

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIVINGDAY_EVENT", str(event))
        with demo_server(backfill_until="12:00", scale=0.05, live=False, folder=folder, prepare=prepare) as (url, _):
            yield url, made["db"], made["tokens"]


def gift(donation_id: str | None, yuan: str, project: str = "P001") -> dict:
    g = {"occurred_at": "2020-09-07 11:30:00", "amount_yuan": yuan, "project": project, "donor_name": "张三"}
    return g if donation_id is None else {"donation_id": donation_id, **g}


def totals(db) -> dict:
    r = run_cli("totals", "--json", db=db)  # the board holds the store: the command asks it
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_refusals_over_http_store_nothing(board):
    url, db, secret = board
    before = totals(db)
    body = json.dumps(gift("H-refused", "10.00")).encode()
    assert Client(url, None).post(body) == (401, {"error": "no token: send Authorization: Bearer TOKEN"})
    assert Client(url, "gd_" + "x" * 43).post(body) == (401, {"error": "unknown or revoked token"})
    assert Client(url, secret["revoked"]).post(body)[0] == 200  # valid until revoked
    tokens.revoke_token("revoked", str(db))
    assert Client(url, secret["revoked"]).post(json.dumps(gift("H-late", "1.00")).encode())[0] == 401
    relay = Client(url, secret["relay"])
    big = ("\n".join(json.dumps(gift(f"H-big-{i}", "1.00")) for i in range(200)) + "\n").encode()
    assert relay.post(big, "application/x-ndjson") == (
        413,
        {"error": "the body is larger than 0.01 MB ([api] max_body_mb)"},
    )
    status, answer = relay.post(b"hello,world\n1,2\n", "text/csv")
    assert status == 400 and english(answer["error"]).startswith(
        "not a recognised donation file: its columns are hello"
    )
    assert relay.request("GET", "/api/gifts")[0] == 405
    after = totals(db)
    assert after["total_fen"] == before["total_fen"] + 1000 and after["donations"] == before["donations"] + 1


def test_a_token_posting_too_often_is_told_to_wait(board):
    url, db, secret = board
    burst = Client(url, secret["burst"])
    answers = [burst.post(json.dumps(gift(f"H-burst-{i}", "0.01")).encode()) for i in range(PER_MINUTE + 1)]
    assert [a[0] for a in answers] == [200] * PER_MINUTE + [429]
    assert answers[-1][1] == {"error": f"more than {PER_MINUTE} posts in a minute for this token"}


def test_a_posted_gift_reaches_the_wall_and_counts_once(board):
    url, db, secret = board
    relay = Client(url, secret["relay"])
    shown = relay.wall_count()
    before = totals(db)
    body = json.dumps(gift(None, "88.88", "P002")).encode()  # no id: it gets the stable id a file's row gets
    assert relay.post(body) == (200, {"new": 1, "duplicate": 0, "skipped": 0, "rejected": []})
    assert relay.post(body) == (200, {"new": 0, "duplicate": 1, "skipped": 0, "rejected": []})
    wait_until(lambda: relay.wall_count() == shown + 1, 15, "the posted gift on /wall/feed")
    status, page = relay.request("GET", "/wall/feed")
    fen = int(re.search(rb'id="headline-total" data-fen="(\d+)"', page)[1])
    assert fen == before["total_fen"] + 8888 == totals(db)["total_fen"]


def test_many_clients_posting_at_once_are_counted_exactly(board):
    url, db, secret = board
    before = totals(db)
    answers: list[tuple[int, dict]] = []

    def post_all(i: int) -> None:
        client = Client(url, secret[f"client-{i}"])
        for n in range(POSTS):
            shared = json.dumps(gift(f"H-shared-{n}", "1.00"))  # every client posts these: each counts once
            own = json.dumps(gift(f"H-{i}-{n}", f"{i + 1}.{n:02d}"))
            answers.append(client.post(f"{shared}\n{own}\n".encode(), "application/x-ndjson"))

    threads = [threading.Thread(target=post_all, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a[0] for a in answers] == [200] * CLIENTS * POSTS
    assert sum(a[1]["new"] for a in answers) == POSTS + CLIENTS * POSTS
    assert sum(a[1]["duplicate"] for a in answers) == (CLIENTS - 1) * POSTS
    own_fen = sum((i + 1) * 100 + n for i in range(CLIENTS) for n in range(POSTS))
    after = totals(db)
    assert after["donations"] == before["donations"] + POSTS + CLIENTS * POSTS
    assert after["total_fen"] == before["total_fen"] + POSTS * 100 + own_fen
