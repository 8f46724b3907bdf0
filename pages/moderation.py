"""留言审核: donors' messages wait here until an organizer approves (shown with the gift in the screens' ticker) or
denies them (never shown anywhere public). The rules are `givingday.store.messages`; this page lays them out."""

import time

import streamlit as st

from givingday.money import format_yuan
from givingday.store import messages
from givingday.web.board import allow_only, board_time, on_board_clock, shared_store
from givingday.web.widgets import SAID_FOR_SECONDS, as_text, done_once, page_top

SHOWN = 50
FIRST = {"newest": "最新的捐款 Newest gifts", "oldest": "最早的捐款 Oldest gifts"}  # the order of the pending queue
STATUS_NAMES = {"pending": "待审核 Pending", "approved": "已通过 Approved", "denied": "不予展示 Denied"}


def _moderate(message_id: str, gift: str, user: str, act: str, shown: str, write) -> None:
    """`write(conn)` once for a click and its double (`done_once`), and what it did kept for `_said`, with when."""
    store = shared_store()

    def once() -> bool:
        with store.writing() as conn:
            return write(conn)

    done, _ = done_once(("moderation", store.location, user, message_id, act), once)
    st.session_state["moderated"] = (gift, shown, done, time.monotonic())


def _decide(message_id: str, gift: str, status: str, user: str) -> None:
    _moderate(message_id, gift, user, status, status, lambda conn: messages.decide(conn, message_id, status, user))


def _withdraw(message_id: str, gift: str, user: str) -> None:
    _moderate(message_id, gift, user, "withdrawn", "denied", lambda conn: messages.withdraw(conn, message_id, user))


def _said() -> None:
    """What the last click did, to which gift's message (as the queue shows it, not the internal id), said for
    SAID_FOR_SECONDS (a second click of the same button, at once, says the first's outcome; later, that it decided
    nothing). Kept, not taken, when said: a double click's second rerun may stop the first between the two. Text
    only: the gift's names came from a file."""
    last = st.session_state.get("moderated")
    if last and time.monotonic() - last[3] < SAID_FOR_SECONDS:
        gift, status, decided, _ = last
        if decided:
            st.success(as_text(f"{gift} 的留言：{STATUS_NAMES[status]}"))
        else:
            st.info(as_text(f"{gift} 的留言已审核过，未改变 Already decided: nothing changed"))


def _gift_line(m: dict, tz) -> str:
    return (
        f"{m['occurred_at'].astimezone(tz):%m-%d %H:%M} · {m['donor_name_masked']} · "
        f"{format_yuan(m['amount_fen'])} · {m['project_name']}"
    )


@st.fragment(run_every=10)
def queue() -> None:
    user = allow_only("moderation")  # a session signed out or removed meanwhile stops here
    tz = board_time().event.tz
    store = shared_store()
    _said()
    first = st.session_state.get("shown_first", "newest")
    pending = store.query("donor_messages_by_status", status="pending", limit_n=SHOWN, shown_first=first)
    counts = {r["status"]: r["messages"] for r in store.query("donor_messages_counts")}
    st.subheader(f"{STATUS_NAMES['pending']} · {counts.get('pending', 0):,}")
    if counts.get("pending", 0) > len(pending):
        st.caption(
            f"先列出 {len(pending)} 条，审核后下一批补上。The first {len(pending)} are listed; the next come as these are decided."
        )
    if not pending:
        st.caption("没有待审核的留言。 No message waits.")
    for m in pending:
        with st.container(border=True):
            gift = _gift_line(m, tz)
            st.caption(gift)
            st.text(m["message_text"])  # as typed: never read as Markdown or HTML
            left, right, _ = st.columns([1, 1, 4])
            left.button(
                "通过 Approve",
                key=f"ok_{m['message_id']}",
                type="primary",
                on_click=_decide,
                args=(m["message_id"], gift, "approved", user.name),
            )
            right.button(
                "不予展示 Deny",
                key=f"no_{m['message_id']}",
                on_click=_decide,
                args=(m["message_id"], gift, "denied", user.name),
            )
    for status in ("approved", "denied"):
        decided = on_board_clock(  # when decided, on the clock the gifts' times are on (the demo's while one plays)
            store.query("donor_messages_by_status", status=status, limit_n=SHOWN, shown_first="decided"), "decided_at"
        )
        # Open or closed as the moderator left it, whatever the decisions move above it: keyed, its state kept (an
        # expander without a key is known by its place and words), its count said inside, not in its words.
        with st.expander(STATUS_NAMES[status], key=f"decided_{status}", on_change="rerun"):
            total = counts.get(status, 0)
            st.caption(
                f"共 {total:,} 条，列出最近的 {len(decided)} 条。{total:,} in all, the latest {len(decided)} listed."
                if total > len(decided)
                else f"共 {total:,} 条 {total:,} in all"
            )
            for m in decided:
                gift = _gift_line(m, tz)
                st.caption(f"{gift} · {m['decided_by']} {m['decided_at'].astimezone(tz):%m-%d %H:%M}")
                st.text(m["message_text"])
                if status == "approved":  # withdrawn, it is denied: off every public page
                    st.button(
                        "撤回通过 Withdraw approval",
                        key=f"undo_{m['message_id']}",
                        on_click=_withdraw,
                        args=(m["message_id"], gift, user.name),
                    )


def main() -> None:
    page_top("moderation", "留言审核 Donor messages")
    st.caption(
        "通过的留言随捐款出现在大屏的最新爱心中；待审核和不予展示的留言不会出现在任何公开页面。"
        " Approved messages appear with their gift in the screens' ticker; pending and denied ones never reach a"
        " public page."
    )
    st.radio(
        "先看 Show first",
        list(FIRST),
        format_func=FIRST.get,
        key="shown_first",
        horizontal=True,
        help="最新的捐款的留言，大屏的最新爱心还能显示；已审核的列表总是最近的决定在前。"
        " The newest gifts' messages can still reach the screens' ticker; the decided lists show the latest"
        " decisions first.",
    )
    queue()


main()
