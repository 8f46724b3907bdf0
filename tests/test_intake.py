"""The intake API (givingday/ingest/intake.py), called as the server calls it, in this process: who may post,
what a body may be, what the answer says, and that the store holds exactly what was answered. Over real HTTP
against a running board: test_intake_http.py."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging

import openpyxl
import pytest
from starlette.applications import Starlette

from givingday import config, tokens
from givingday.ingest import intake
from givingday.store import database as store_module
from tests.conftest import CANONICAL_HEADER, FIXTURES, english, snapshot

pytestmark = pytest.mark.both_stores

GIFT = {
    "donation_id": "A1",
    "occurred_at": "2020-09-07 10:00:00",
    "amount_yuan": "12.34",
    "project": "P001",
    "donor_name": "王小明",
}
NO_ID = {"occurred_at": "2020-09-07 10:05:00", "amount_yuan": 5, "project": "P002", "donor_name": "李四"}


@dataclasses.dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


def call(
    body: bytes = b"",
    token: str | None = None,
    method: str = "POST",
    content_type: str = "",
    chunks: int = 1,
    authorization: str | None = None,
):
    """One request through the intake's route, as uvicorn hands it over, with `Authorization: Bearer token` (or
    the header `authorization` as given); `chunks` > 1 sends the body in parts without a Content-Length, as a
    chunked upload arrives."""
    headers = [(b"content-type", content_type.encode())] if content_type else []
    if token is not None:
        authorization = f"Bearer {token}"
    if authorization is not None:
        headers.append((b"authorization", authorization.encode()))
    if chunks == 1:
        headers.append((b"content-length", str(len(body)).encode()))
    size = max(1, -(-len(body) // chunks))
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    messages = [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]
    scope = {
        "type": "http",
        "method": method,
        "path": "/api/gifts",
        "raw_path": b"/api/gifts",
        "query_string": b"",
        "headers": headers,
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 8501),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
    }
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(Starlette(routes=intake.routes())(scope, receive, send))
    start = sent[0]
    return Answer(
        start["status"],
        {k.decode(): v.decode() for k, v in start["headers"]},
        b"".join(m.get("body", b"") for m in sent[1:]),
    )


def jsonl(*gifts: dict) -> bytes:
    return "".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gifts).encode()


def amount_fen(store) -> int:
    return store.query("totals_overall")[0]["amount_fen"]


@pytest.fixture
def api(page_store, monkeypatch):
    """The board's store adopted, a fresh rate count, and a token for `relay`."""
    monkeypatch.setattr(intake, "LIMITS", intake.RateLimit())
    return page_store, tokens.add_token("relay", page_store.location)


def with_api(store, monkeypatch, **rules) -> None:
    monkeypatch.setattr(store, "event", dataclasses.replace(store.event, api=config.ApiRules(**rules)))


def test_one_json_gift_is_stored_under_the_tokens_name(api):
    store, token = api
    r = call(json.dumps(GIFT).encode(), token, content_type="application/json")
    assert (r.status, r.json) == (200, {"new": 1, "duplicate": 0, "skipped": 0, "rejected": []})
    assert r.headers["cache-control"] == "no-store"
    assert amount_fen(store) == 1234
    rows = store.query_rows("select donation_id, source_file, donor_name_masked from donations")
    assert rows == [{"donation_id": "A1", "source_file": "api:relay", "donor_name_masked": "王**"}]


def test_the_same_gift_posted_twice_counts_once_with_or_without_an_id(api):
    store, token = api
    first = call(jsonl(GIFT, NO_ID), token)
    assert first.json == {"new": 2, "duplicate": 0, "skipped": 0, "rejected": []}
    for body, gifts in ((json.dumps(GIFT).encode(), 1), (json.dumps(NO_ID).encode(), 1), (jsonl(NO_ID, GIFT), 2)):
        again = call(body, token, content_type="application/json")
        assert again.json == {"new": 0, "duplicate": gifts, "skipped": 0, "rejected": []}
    assert amount_fen(store) == 1234 + 500
    assert store.scalar("select count(*) from donations") == 2
    assert store.scalar("select donation_id from donations where donation_id <> 'A1'").startswith("row:")


def test_a_posted_bill_says_what_it_skipped_and_counts_the_net(api):
    """A relay posting a WeChat Pay bill: its expenses are skipped and counted, its refunds booked."""
    store, token = api
    r = call((FIXTURES / "bills" / "wechat_bill.csv").read_bytes(), token, content_type="text/csv")
    assert (r.status, r.json) == (200, {"new": 5, "duplicate": 0, "skipped": 3, "rejected": []})
    assert amount_fen(store) == 37_888 - 5_000


def test_a_json_array_jsonl_csv_and_xlsx_are_judged_as_files_are(api):
    store, token = api
    array = [GIFT, {**GIFT, "donation_id": "A2", "amount_yuan": "abc"}, "not a gift"]
    r = call(json.dumps(array, ensure_ascii=False).encode(), token, content_type="application/json")
    rejected = [
        {"line": 2, "reason": "金额 'abc' 不是数字。amount 'abc' is not a number"},
        {"line": 3, "reason": "不是 JSON 对象。not a JSON object"},
    ]
    assert (r.status, r.json) == (200, {"new": 1, "duplicate": 0, "skipped": 0, "rejected": rejected})
    lines = jsonl({**GIFT, "donation_id": "J1"}) + b"{broken\n"
    r = call(lines, token, content_type="application/x-ndjson")
    reason = (
        "不是有效的 JSON（Expecting property name enclosed in double quotes）。"
        "not valid JSON (Expecting property name enclosed in double quotes)"
    )
    assert r.json == {"new": 1, "duplicate": 0, "skipped": 0, "rejected": [{"line": 2, "reason": reason}]}
    csv = CANONICAL_HEADER + "C1,2020-09-07 11:00:00,100.01,0,P002,,,qr,张三\nC2,2020-09-07 11:00:00,1,0,P999,,,qr,\n"
    r = call(csv.encode(), token, content_type="text/csv")
    rejected = [{"line": 3, "reason": "未知项目 'P999'。unknown project 'P999'"}]
    assert r.json == {"new": 1, "duplicate": 0, "skipped": 0, "rejected": rejected}
    book = openpyxl.Workbook()
    book.active.append(CANONICAL_HEADER.strip().split(","))
    book.active.append(["X1", "2020-09-07 12:00:00", 7.5, 0, "P089", "", "", "bank", "某公司"])
    out = io.BytesIO()
    book.save(out)
    r = call(out.getvalue(), token)  # no Content-Type: the content says what it is
    assert (r.status, r.json) == (200, {"new": 1, "duplicate": 0, "skipped": 0, "rejected": []})
    assert amount_fen(store) == 1234 + 1234 + 10001 + 750
    assert store.query_rows("select distinct source_file from donations") == [{"source_file": "api:relay"}]


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "no token: send Authorization: Bearer TOKEN"),
        ("Bearer ", "no token: send Authorization: Bearer TOKEN"),
        ("Basic cmVsYXk6eA==", "no token: send Authorization: Bearer TOKEN"),
        ("Bearer gd_wrong", "unknown or revoked token"),
    ],
)
def test_a_missing_or_wrong_token_is_refused_and_nothing_is_stored(api, authorization, reason):
    store, token = api
    before = snapshot(store)
    r = call(json.dumps(GIFT).encode(), authorization=authorization)
    assert (r.status, r.json) == (401, {"error": reason})
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert snapshot(store) == before
    assert store.scalar("select count(*) from imports") == 0


def test_a_revoked_token_is_refused_from_its_next_post(api):
    store, token = api
    assert call(json.dumps(GIFT).encode(), token).status == 200
    tokens.revoke_token("relay", store.location)
    before = snapshot(store)
    r = call(json.dumps({**GIFT, "donation_id": "A9"}).encode(), token)
    assert (r.status, r.json) == (401, {"error": "unknown or revoked token"})
    assert snapshot(store) == before


def test_a_body_over_the_limit_is_refused_whether_declared_or_counted(api, monkeypatch):
    store, token = api
    with_api(store, monkeypatch, max_body_mb=0.001)  # 1,048 bytes
    big = jsonl(*({**GIFT, "donation_id": f"B{i}"} for i in range(20)))
    assert len(big) > 1048
    before = snapshot(store)
    for chunks in (1, 4):
        r = call(big, token, chunks=chunks)
        assert (r.status, r.json) == (413, {"error": "the body is larger than 0.001 MB ([api] max_body_mb)"})
    assert snapshot(store) == before
    assert call(jsonl(GIFT), token, chunks=3).json["new"] == 1


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "", "the file is empty"),
        (b"[{]", "application/json", "not valid JSON (Expecting property name enclosed in double quotes: line 1"),
        (b"--x\r\n", "multipart/form-data; boundary=x", "a form upload: send the file itself as the body"),
        (b"hello,world\n1,2\n", "text/csv", "not a recognised donation file: its columns are hello, world."),
        (b"\x00\x01\x02" * 100, "", "binary content, not a CSV, JSON Lines or XLSX file"),
    ],
)
def test_an_unreadable_body_is_refused_with_the_reason(api, body, content_type, reason):
    store, token = api
    before = snapshot(store)
    r = call(body, token, content_type=content_type)
    assert r.status == 400 and english(r.json["error"]).startswith(reason)
    assert snapshot(store) == before


def test_more_posts_than_the_rate_allows_are_told_to_wait(api, monkeypatch):
    store, token = api
    with_api(store, monkeypatch, posts_per_minute=2)
    assert [call(jsonl({**GIFT, "donation_id": f"R{i}"}), token).status for i in range(2)] == [200, 200]
    r = call(jsonl({**GIFT, "donation_id": "R2"}), token)
    assert r.status == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert r.json == {"error": "more than 2 posts in a minute for this token"}
    assert store.scalar("select count(*) from donations") == 2
    other = tokens.add_token("phone", store.location)
    assert call(jsonl({**GIFT, "donation_id": "R3"}), other).status == 200  # each token has its own minute


def test_the_rate_window_slides():
    now = [0.0]
    limit = intake.RateLimit(clock=lambda: now[0])
    assert [limit.wait_seconds("a", 2) for _ in range(2)] == [0, 0]
    now[0] = 45.0
    assert limit.wait_seconds("a", 2) == 15.0
    now[0] = 60.0
    assert limit.wait_seconds("a", 2) == 0


def test_only_post_is_answered(api):
    store, token = api
    for method in ("GET", "PUT", "DELETE"):
        r = call(b"", token, method=method)
        assert (r.status, r.headers["allow"]) == (405, "POST")


def test_without_a_store_the_board_says_so(api, monkeypatch):
    store, token = api
    monkeypatch.setattr(store_module, "_adopted", None)
    assert call(jsonl(GIFT), token).status == 503


def test_a_store_that_cannot_be_written_is_503_and_nothing_is_stored(api, monkeypatch):
    from givingday.ingest import batch

    store, token = api

    def full_disk():
        raise batch.sa.exc.OperationalError("insert", {}, OSError("No space left on device"))

    monkeypatch.setattr(batch, "_pause_for_crash_test", full_disk)
    before = snapshot(store)
    r = call(jsonl(GIFT), token)
    assert r.status == 503 and r.json["error"].startswith("数据库无法写入（No space left on device）")
    assert snapshot(store) == before


def test_no_token_is_ever_logged(api, caplog):
    store, token = api
    with caplog.at_level(logging.DEBUG):
        call(jsonl(GIFT), token)
        call(jsonl(GIFT), token + "x")
    assert "api:relay: 1 new" in caplog.text
    assert token not in caplog.text


def test_the_api_settings_are_read_from_the_event_file(tmp_path):
    text = config.DEFAULT_EVENT.read_text(encoding="utf-8")
    assert config.load_event().api == config.ApiRules(max_body_mb=10, posts_per_minute=600)
    path = tmp_path / "event.toml"
    path.write_text(text.replace("max_body_mb = 10", "max_body_mb = 0.5"), encoding="utf-8")
    assert config.load_event(path).api.max_body_bytes == 524_288
    path.write_text(text.replace("posts_per_minute = 600", "posts_per_minute = 0"), encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"event.toml: \[api\] max_body_mb and posts_per_minute must be greater than 0"
    ):
        config.load_event(path)
