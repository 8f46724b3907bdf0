"""A wall that knows several boards (givingday/screens/boards.py): the boards its page asks, the CORS answers
other boards' pages get from the feed and the stream and nothing else, and `/healthz`. The page moving between
two real boards in a browser is tests/test_browser_failover.py."""

import asyncio
import dataclasses
import json
import re

import psycopg
import pytest
import sqlalchemy as sa
from starlette.requests import Request

from givingday import config
from givingday.screens import stream, wall
from givingday.store import database as store_module

BOARDS = ("http://10.0.0.2:8501", "http://10.0.0.3:8501")


def call(handler, path_and_query: str, origin: str | None = None):
    path, _, query = path_and_query.partition("?")
    headers = [] if origin is None else [(b"origin", origin.encode())]
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": headers}
    return asyncio.run(handler(Request(scope)))


def page_boards(response) -> list[str]:
    return json.loads(re.search(r"const BOARDS = (.*?);", response.body.decode())[1])


@pytest.fixture
def two_boards(page_store):
    page_store.event = dataclasses.replace(page_store.event, boards=BOARDS)
    return page_store


def test_the_page_lists_the_events_boards_and_may_connect_to_them_only(two_boards):
    r = call(wall.page, "/wall?site=S001")
    assert r.status_code == 200 and page_boards(r) == list(BOARDS)
    assert r.headers["content-security-policy"] == "connect-src 'self' http://10.0.0.2:8501 http://10.0.0.3:8501"


def test_the_urls_boards_come_before_the_events(two_boards):
    r = call(wall.page, "/wall?boards=host1:8501,%20https://Host2.example/,host1:8501")
    assert page_boards(r) == ["http://host1:8501", "https://host2.example"]
    assert r.headers["content-security-policy"] == "connect-src 'self' http://host1:8501 https://host2.example"


def test_without_boards_the_page_asks_its_own_board_alone(page_store):
    r = call(wall.page, "/wall")
    assert page_boards(r) == [] and r.headers["content-security-policy"] == "connect-src 'self'"


@pytest.mark.parametrize(
    "asked",
    [
        "javascript:alert(1)",
        "host1:8501,http://evil.example/x.js",
        'h"];alert(1);//:80',
        "</script><script>alert(1)</script>",
        "http://user@host1:8501",
        "ftp://host1:21",
        "host1:99999",
        "http://host1:8501?x=1",
    ],
)
def test_a_board_that_is_not_an_http_origin_is_refused_and_nothing_of_it_reaches_the_page(page_store, asked):
    r = call(wall.page, f"/wall?boards={asked.replace(' ', '%20')}")
    assert r.status_code == 400
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert (
        r.body.decode().startswith("看板地址 ") and "a board's address must be http(s)://host:port" in r.body.decode()
    )
    assert "const BOARDS" not in r.body.decode()


def test_the_feed_answers_a_page_of_the_events_boards_across_origins(two_boards):
    r = call(wall.feed, "/wall/feed?site=S001", origin="http://10.0.0.3:8501")
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://10.0.0.3:8501"
    assert r.headers["access-control-expose-headers"] == "X-Refresh, X-Milestone, X-Goals"
    assert r.headers["vary"] == "Origin"
    assert re.search(r'<div class="gd[^"]*" data-taken-at="\d{13}">', r.body.decode())  # the snapshot's time


@pytest.mark.parametrize("origin", ["http://10.0.0.9:8501", "null", "http://10.0.0.3:8501.evil.example", None])
def test_the_feed_answers_no_other_page_across_origins(two_boards, origin):
    r = call(wall.feed, "/wall/feed?site=S001", origin=origin)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_the_stream_answers_a_page_of_the_events_boards_across_origins(two_boards):
    async def opened(origin: str):
        response = await stream.stream(Request(scope(origin)))
        await response.body_iterator.aclose()
        return response

    def scope(origin: str) -> dict:
        headers = [(b"origin", origin.encode())]
        return {"type": "http", "method": "GET", "path": "/wall/stream", "query_string": b"", "headers": headers}

    ours = asyncio.run(opened("http://10.0.0.2:8501"))
    assert ours.headers["access-control-allow-origin"] == "http://10.0.0.2:8501"
    assert ours.media_type == "text/event-stream"
    assert "access-control-allow-origin" not in asyncio.run(opened("http://10.0.0.9:8501")).headers


def test_the_page_and_health_are_not_opened_to_other_origins(two_boards):
    for handler, path in ((wall.page, "/wall"), (wall.health, "/healthz")):
        assert "access-control-allow-origin" not in call(handler, path, origin=BOARDS[0]).headers


def test_health_says_ok_while_the_store_answers(page_store):
    r = call(wall.health, "/healthz")
    assert (r.status_code, r.body, r.headers["cache-control"]) == (200, b"ok", "no-store")


def test_health_says_503_when_the_store_cannot_be_reached(page_store, tmp_path):
    page_store.engine.dispose()
    page_store.engine = sa.create_engine(f"duckdb:///{tmp_path}/no-such-folder/g.duckdb")  # its disk gone
    r = call(wall.health, "/healthz")
    assert r.status_code == 503
    assert r.body.decode().startswith("数据库无法访问。the store cannot be reached: ")


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ('boards = ["10.0.0.2:8501", "http://10.0.0.2:8501", "https://b.example"]', None),
        ('boards = ["http://10.0.0.2:8501/wall"]', "[screen] boards: 看板地址 'http://10.0.0.2:8501/wall'"),
        ('boards = "http://10.0.0.2:8501"', "[screen] boards must be a list of addresses"),
    ],
)
def test_the_events_boards_are_origins_or_the_event_is_refused(tmp_path, setting, said):
    toml = config.DEFAULT_EVENT.read_text(encoding="utf-8").replace("boards = []", setting, 1)
    path = tmp_path / "event.toml"
    path.write_text(toml, encoding="utf-8")
    if said is None:
        assert config.load_event(path).boards == ("http://10.0.0.2:8501", "https://b.example")
    else:
        with pytest.raises(ValueError, match=re.escape(said)):
            config.load_event(path)


@pytest.mark.postgres
def test_health_follows_a_postgresql_store_that_goes_and_comes_back(pg_store, pg_server, monkeypatch):
    monkeypatch.setattr(store_module, "_adopted", pg_store)
    assert call(wall.health, "/healthz").status_code == 200
    name = pg_store.url.rsplit("/", 1)[1]
    with psycopg.connect(pg_server.url(), autocommit=True) as admin:
        admin.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(f"alter database {name} rename to {name}_away")
        cut = call(wall.health, "/healthz")  # the pooled connection, ended by the server
        gone = call(wall.health, "/healthz")  # a new one, refused
        admin.execute(f"alter database {name}_away rename to {name}")
    assert (cut.status_code, cut.body.decode()) == (
        503,
        "数据库无法访问。the store cannot be reached: terminating connection due to administrator command",
    )
    assert (gone.status_code, gone.body.decode()) == (
        503,
        f'数据库无法访问。the store cannot be reached: connection failed: connection to server at "127.0.0.1", '
        f'port {pg_server.port} failed: FATAL:  database "{name}" does not exist',
    )
    assert call(wall.health, "/healthz").status_code == 200
