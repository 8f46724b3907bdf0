"""Donors' messages (留言): stored apart from the gift, scrubbed, pending until an organizer decides; only an approved
one reaches a public page (the wall's feed and stream, the Streamlit big screen), escaped. And 人数, kept at import."""

import asyncio
import json

import pytest
from starlette.requests import Request
from streamlit.testing.v1 import AppTest

from givingday.ingest.batch import import_bytes
from givingday.screens import stream, wall
from givingday.store import messages
from givingday.web.widgets import SAID_FOR_SECONDS
from tests.conftest import CANONICAL_HEADER, unescaped, wait_until
from tests.signed_in import add_users, signed_in_page

HEADER = CANONICAL_HEADER.rstrip("\n") + ",message\n"
GIFTS = HEADER + (
    "M1,2020-09-07 10:00:30,100,0,P001,,S001,qr,李四,加油！电话13812345678\n"
    "M2,2020-09-07 10:01:10,200,0,P002,,S001,qr,王五,<script>alert(1)</script> **粗体**\n"
    "M3,2020-09-07 10:02:00,300,0,P001,,S002,qr,赵六,待审核的留言\n"
    "M4,2020-09-07 10:03:00,400,0,P001,,,qr,钱七,不予展示的留言\n"
    "M5,2020-09-07 10:04:00,500,0,P001,,,qr,孙八,\n"
)
# The platform's export names the column 留言 (or 捐赠留言, 备注).
PLATFORM = (
    "订单号,捐款时间,昵称,捐赠金额(元),项目名称,渠道,捐赠留言\n"
    "X1,2020-09-07 11:00:00,周九,10,二七商圈青春志愿行,qr,卡号6222021234567890123 祝福\n"
)


def rows(store) -> list[tuple]:
    return [
        tuple(r.values())
        for r in store.query_rows(
            "select message_id, donation_id, message_text, status, decided_by from donor_messages order by message_id"
        )
    ]


def test_an_import_stores_each_new_gifts_message_scrubbed_and_pending(store):
    import_bytes(store, GIFTS.encode(), "m.csv")
    import_bytes(store, GIFTS.encode(), "again.csv")  # the same gifts again: no second message
    assert rows(store) == [
        ("msg:M1", "M1", "加油！电话***", "pending", None),
        ("msg:M2", "M2", "<script>alert(1)</script> **粗体**", "pending", None),
        ("msg:M3", "M3", "待审核的留言", "pending", None),
        ("msg:M4", "M4", "不予展示的留言", "pending", None),
    ]
    assert store.scalar("select count(*) from donations where memo is not null") == 0  # not in the gift's row


@pytest.mark.both_stores
def test_a_file_of_stored_and_new_gifts_brings_the_new_gifts_messages_only(store):
    lines = GIFTS.splitlines(keepends=True)
    import_bytes(store, (HEADER + lines[1] + lines[5]).encode(), "first.csv")  # M1 with a message, M5 without
    later = HEADER + lines[1].replace("加油！", "改过的留言") + lines[2] + lines[5].replace("孙八,", "孙八,后补的留言")
    report = import_bytes(store, later.encode(), "later.csv")
    assert (report.rows_new, report.rows_duplicate) == (1, 2)
    assert rows(store) == [
        ("msg:M1", "M1", "加油！电话***", "pending", None),  # what the gift came with, not the later file's
        ("msg:M2", "M2", "<script>alert(1)</script> **粗体**", "pending", None),
    ]  # and none for M5, stored before without one


def test_the_platform_exports_message_column_is_read(store):
    report = import_bytes(store, PLATFORM.encode(), "platform.csv")
    assert (report.outcome, report.rows_new) == ("committed", 1)
    assert rows(store) == [("msg:X1", "X1", "卡号*** 祝福", "pending", None)]


def audit_rows(store) -> list[tuple]:
    return [
        tuple(r.values())
        for r in store.query_rows("select user_name, action, target_id from audit_log order by action, target_id")
    ]


def moderate(store) -> None:
    with store.writing() as conn:
        assert messages.decide(conn, "msg:M1", "approved", "ana")
        assert messages.decide(conn, "msg:M2", "approved", "ana")
        assert messages.decide(conn, "msg:M4", "denied", "bo")


def test_the_latest_decision_comes_first_and_the_queue_in_either_order(store):
    import_bytes(store, GIFTS.encode(), "m.csv")
    for message_id in ("msg:M2", "msg:M1", "msg:M3"):  # one transaction each: each its own moment
        with store.writing() as conn:
            assert messages.decide(conn, message_id, "approved", "ana")

    def ids(status: str, first: str, limit_n: int = 50) -> list[str]:
        found = store.query("donor_messages_by_status", status=status, limit_n=limit_n, shown_first=first)
        return [m["donation_id"] for m in found]

    assert ids("approved", "decided") == ["M3", "M1", "M2"]
    assert ids("approved", "decided", limit_n=1) == ["M3"]  # the one just approved, however many came before
    assert ids("approved", "oldest") == ["M1", "M2", "M3"]
    assert ids("pending", "newest") == ["M4"] and ids("pending", "oldest") == ["M4"]
    assert ids("approved", "newest") == ["M3", "M2", "M1"]


def test_a_decision_is_kept_once_with_its_audit_line(store):
    import_bytes(store, GIFTS.encode(), "m.csv")
    moderate(store)
    with store.writing() as conn:  # the same buttons clicked again, and the other button late: nothing changes
        assert not messages.decide(conn, "msg:M1", "approved", "ana")
        assert not messages.decide(conn, "msg:M4", "approved", "ana")
    assert [r[3:] for r in rows(store)] == [
        ("approved", "ana"),
        ("approved", "ana"),
        ("pending", None),
        ("denied", "bo"),
    ]
    assert audit_rows(store) == [
        ("ana", "message_approved", "msg:M1"),
        ("ana", "message_approved", "msg:M2"),
        ("bo", "message_denied", "msg:M4"),
    ]
    try:
        with store.writing() as conn:
            messages.decide(conn, "msg:M3", "shown", "ana")
    except ValueError as exc:
        assert "approved or denied" in str(exc)
    else:
        raise AssertionError("an unknown decision was taken")
    assert store.scalar("select status from donor_messages where message_id = 'msg:M3'") == "pending"


def wall_response(query: str):
    scope = {"type": "http", "method": "GET", "path": "/wall/feed", "query_string": query.encode(), "headers": []}
    return asyncio.run(wall.feed(Request(scope)))


def wall_get(query: str) -> str:
    return wall_response(query).body.decode()


def stream_first(query: str) -> str:
    async def first() -> str:
        scope = {"type": "http", "method": "GET", "path": "/wall/stream", "query_string": query.encode(), "headers": []}
        body = (await stream.stream(Request(scope))).body_iterator
        assert await anext(body) == stream.RETRY
        chunk = (await anext(body)).decode()
        await body.aclose()
        return json.loads(chunk.split("\ndata: ", 1)[1])["html"]

    return asyncio.run(first())


def big_screen(query: dict) -> str:
    at = AppTest.from_file("../pages/big_screen.py", default_timeout=30)
    at.query_params.update(query)
    at.run()
    assert not at.exception
    return "".join(e.proto.body for e in at.get("html"))


def test_nothing_unapproved_reaches_a_public_page(page_store):
    import_bytes(page_store, GIFTS.encode(), "m.csv")
    moderate(page_store)
    pages = {
        "wall feed": wall_get(""),
        "wall feed, site": wall_get("site=S001"),
        "wall stream": stream_first(""),
        "wall stream, S002": stream_first("site=S002"),
        "big screen": big_screen({}),
        "big screen, S002": big_screen({"site": "S002"}),
    }
    for name, page in pages.items():
        assert "待审核的留言" not in page, name  # pending
        assert "不予展示的留言" not in page, name  # denied
        assert "13812345678" not in page, name
        assert "<script>alert(1)" not in page, name
    for name in ("wall feed", "wall stream", "big screen"):
        assert "加油！电话***" in pages[name], name
        assert "&lt;script&gt;alert(1)&lt;/script&gt; **粗体**" in pages[name], name  # escaped, Markdown as typed


def test_an_approval_withdrawn_takes_the_message_off_the_wall_and_out_of_the_queue(page_store):
    import_bytes(page_store, GIFTS.encode(), "m.csv")
    moderate(page_store)
    assert "加油！电话***" in wall_get("")
    with page_store.writing() as conn:
        assert messages.withdraw(conn, "msg:M1", "bo")
        assert not messages.withdraw(conn, "msg:M1", "bo")  # withdrawn already
        assert not messages.withdraw(conn, "msg:M3", "bo")  # pending: no approval to withdraw
        assert not messages.decide(conn, "msg:M1", "approved", "ana")  # denied now, not back in the queue
    wait_until(lambda: "加油！电话***" not in wall_get(""), 10, "the feed's snapshot after the withdrawal")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **粗体**" in wall_get("")  # M2 stays approved
    assert [r[3:] for r in rows(page_store)] == [
        ("denied", "bo"),
        ("approved", "ana"),
        ("pending", None),
        ("denied", "bo"),
    ]
    assert ("bo", "message_withdrawn", "msg:M1") in audit_rows(page_store)
    assert ("ana", "message_approved", "msg:M1") in audit_rows(page_store)  # the approval stays on record


def test_the_moderation_page_lists_the_queue_and_decides(page_store):
    import_bytes(page_store, GIFTS.encode(), "m.csv")
    add_users(page_store, {"ana": "organizer"})
    at = signed_in_page(page_store, "moderation", "ana").run()
    assert not at.exception
    queue = ["加油！电话***", "<script>alert(1)</script> **粗体**", "待审核的留言", "不予展示的留言"]  # oldest first
    assert at.subheader[0].value == "待审核 Pending · 4"
    assert [t.value for t in at.text][:4] == queue[::-1]  # the newest gifts' first: the ticker can still show them
    at.radio(key="shown_first").set_value("oldest").run()
    assert [t.value for t in at.text][:4] == queue
    at.button(key="ok_msg:M1").click().run()
    said = ["09-07 10:00 · 李** · ¥100.00 · 二七商圈青春志愿行 的留言：已通过 Approved"]  # the gift, not msg:M1
    assert [unescaped(e.value) for e in at.success] == said
    at.button(key="no_msg:M4").click().run()
    assert at.subheader[0].value == "待审核 Pending · 2"
    assert [c.value for c in at.caption].count("共 1 条 1 in all") == 2  # one approved, one denied: each list says so
    assert [r[3:] for r in rows(page_store)] == [
        ("approved", "ana"),
        ("pending", None),
        ("pending", None),
        ("denied", "ana"),
    ]
    at.button(key="undo_msg:M1").click().run()
    withdrawn = ["09-07 10:00 · 李** · ¥100.00 · 二七商圈青春志愿行 的留言：不予展示 Denied"]
    assert [unescaped(e.value) for e in at.success] == withdrawn
    assert [r[3] for r in rows(page_store)] == ["denied", "pending", "pending", "denied"]
    # a rerun with no click (the queue's refresh, or a double click's second run stopping the first) still says it
    assert [unescaped(e.value) for e in at.run().success] == withdrawn
    gift, status, decided, at_time = at.session_state["moderated"]
    at.session_state["moderated"] = (gift, status, decided, at_time - SAID_FOR_SECONDS)
    assert list(at.run().success) == []  # said long enough


def test_the_moderation_page_needs_an_organizer(page_store):
    at = AppTest.from_file("../pages/moderation.py", default_timeout=30).run()
    assert [e.value for e in at.error][0].startswith("请先登录")
    assert not at.text


def test_the_queue_says_how_many_wait_beyond_the_fifty_it_lists(page_store):
    many = HEADER + "".join(f"Q{i:02d},2020-09-07 10:{i:02d}:00,10,0,P001,,S001,qr,王五,留言{i}\n" for i in range(53))
    import_bytes(page_store, many.encode(), "many.csv")
    add_users(page_store, {"ana": "organizer"})
    at = signed_in_page(page_store, "moderation", "ana").run()
    assert not at.exception
    assert at.subheader[0].value == "待审核 Pending · 53"
    assert "先列出 50 条，审核后下一批补上。The first 50 are listed; the next come as these are decided." in [
        c.value for c in at.caption
    ]
    assert len([b for b in at.button if b.key and b.key.startswith("ok_")]) == 50
