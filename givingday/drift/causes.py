"""The likely cause of a flagged difference, from what the board can see in its own store.

Ours lower than the platform's: the platform counted our first gifts after its time (their sum and number are
exactly the difference), or a channel of the project has a stretch before the official time that no file
covers (an export window with no file). Ours higher: a possible duplicate (`alerts_possible_duplicates`, the
alerts page's rule) or a gift whose money equals the difference (a refund the platform booked that no file has
brought yet). A lead is named only when what it accounts for is plausible beside the difference (`plausible`);
a smaller one is said as the part it explains. Each is a lead for an organizer, said in words; none changes a
figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from givingday.config import Event
from givingday.labels import CHANNEL_NAMES, both
from givingday.money import format_yuan
from givingday.store.database import Store

AFTER_SHOWN = 50  # the gifts after the official time whose running sums are compared with the difference
DUPLICATES_LOOKED_AT = 10_000
PLAUSIBLE_SHARE = 0.5  # a lead is named when it accounts for at least this share of the difference

CAUSE_NAMES = {
    "after_as_of": "统计时间之后的捐款",
    "missing_file": "缺少导出文件",
    "duplicate": "可能重复",
    "refund": "退款尚未导入",
}
NO_CAUSE = both("看不出原因：请核对该项目的捐款明细", "no cause the board can see: check the project's gifts")


@dataclass(frozen=True)
class Cause:
    code: str | None  # a key of CAUSE_NAMES, or None: nothing the board can see
    text: str


@dataclass(frozen=True)
class Part:
    """A lead too small to be the cause: what it accounts for, and what it is in words."""

    fen: int
    what_zh: str
    what_en: str


def plausible(accounts_fen: int, diff_fen: int, tolerance_fen: int) -> bool:
    """What a lead accounts for (of the difference's sign) is of the difference's size: at least
    `PLAUSIBLE_SHARE` of it and at most the difference plus the flagging threshold."""
    return PLAUSIBLE_SHARE * abs(diff_fen) <= accounts_fen <= abs(diff_fen) + tolerance_fen


def likely_cause(
    store: Store,
    event: Event,
    project_id: str,
    until: dt.datetime,
    diff_fen: int,
    diff_donations: int,
    tolerance_fen: int = 0,
) -> Cause:
    """The first lead that fits the difference `diff_fen` (ours minus theirs, as of `until`)."""
    found: Cause | Part | None = None
    if diff_fen < 0 or (diff_fen == 0 and diff_donations < 0):
        found = _gifts_after(store, event, project_id, until, -diff_fen, -diff_donations) or _missing_file(
            store, event, project_id, until, -diff_fen
        )
    elif diff_fen > 0:
        found = _duplicate_or_refund(store, event, project_id, until, diff_fen, tolerance_fen)
    if isinstance(found, Part):
        return _unexplained(found, diff_fen)
    return found or Cause(None, NO_CAUSE)


def _unexplained(part: Part, diff_fen: int) -> Cause:
    """No cause the board can see explains the difference; the lead it did see explains only this much of it."""
    of, diff = format_yuan(part.fen), format_yuan(abs(diff_fen))
    return Cause(
        None,
        both(
            f"看不出能解释差额的原因：{part.what_zh}只能解释差额 {diff} 中的 {of}；请核对该项目的捐款明细",
            f"no cause the board can see explains it: {part.what_en} account(s) for only {of} of the {diff}"
            " difference; check the project's gifts",
        ),
    )


def _clock(event: Event, moment: dt.datetime) -> str:
    return f"{moment.astimezone(event.tz):%m-%d %H:%M:%S}"


def _gifts_after(store, event, project_id, until, short_fen, short_donations) -> Cause | None:
    """The platform counted our first n gifts after its time: their sum (and number, when 人次 differ) is the gap."""
    gifts = store.query("drift_gifts_after", project_id=project_id, since=until, limit_n=AFTER_SHOWN)
    running = 0
    for n, g in enumerate(gifts, start=1):
        running += int(g["total_fen"])
        if running == short_fen and short_donations in (0, n):
            first = _clock(event, gifts[0]["occurred_at"])
            return Cause(
                "after_as_of",
                both(
                    f"平台的数字含统计时间之后的捐款：我们自 {first} 起的 {n} 笔合计 {format_yuan(running)}，正好等于差额",
                    f"the platform counted gifts after its time: our {n} gift(s) from {first} add up to exactly "
                    f"{format_yuan(running)}, the difference",
                ),
            )
        if running > short_fen:
            return None
    return None


def _missing_file(
    store: Store, event: Event, project_id: str, until: dt.datetime, short_fen: int
) -> Cause | Part | None:
    """The longest stretch, on the official time's day up to it, in which no file brought gifts of a channel the
    project takes gifts through, when longer than `[drift] gap_minutes` and, at the project's pace through that
    channel the rest of the day, it could have held at least `PLAUSIBLE_SHARE` of the shortfall (a pace is a
    guess: more than the shortfall is no reason to doubt the window)."""
    day_start = dt.datetime.combine(
        (until - dt.timedelta(microseconds=1)).astimezone(event.tz).date(), dt.time(0), event.tz
    )
    rows = store.query("drift_channel_files", project_id=project_id, since=day_start, until=until)
    gap = dt.timedelta(minutes=event.drift.gap_minutes)
    longest: tuple[dt.timedelta, str, dt.datetime, dt.datetime] | None = None
    covered: dict[str, dt.datetime] = {}
    spans = [(r["channel"], r["first_gift_at"], r["last_gift_at"]) for r in rows]
    ends = {}
    for channel, first, last in spans:
        if channel in covered and first - covered[channel] > gap:
            candidate = (first - covered[channel], channel, covered[channel], first)
            longest = max(longest, candidate, key=lambda x: x[0]) if longest else candidate
        covered[channel] = max(covered.get(channel, last), last)
        ends[channel] = covered[channel]
    for channel, end in ends.items():
        if until - end > gap:
            candidate = (until - end, channel, end, until)
            longest = max(longest, candidate, key=lambda x: x[0]) if longest else candidate
    if longest is None:
        return None
    length, channel, start, stop = longest
    name = CHANNEL_NAMES.get(channel, channel)
    a, b = _clock(event, start), _clock(event, stop)
    day_from = min(first for c, first, _ in spans if c == channel)
    held_fen = _at_pace(store, project_id, channel, day_from, until, length)
    if held_fen < PLAUSIBLE_SHARE * short_fen:
        if held_fen <= 0:
            return None
        return Part(
            held_fen,
            f"{a} 至 {b} 没有文件的{name}时段（按当日速度约 {format_yuan(held_fen)}）",
            f"the {channel} window with no file from {a} to {b} (about {format_yuan(held_fen)} at the day's pace)",
        )
    return Cause(
        "missing_file",
        both(
            f"{a} 至 {b} 之间没有文件带来{name}的捐款：可能缺一个导出时段的文件",
            f"no file brought {channel} gifts between {a} and {b}: an export window with no file?",
        ),
    )


def _at_pace(store: Store, project_id: str, channel: str, since, until, gap: dt.timedelta) -> int:
    """The project's money through the channel per second of the files' covered time, times the gap, in fen."""
    covered = (until - since - gap).total_seconds()
    if covered <= 0:
        return 0
    took = store.query("drift_project_channel_money", project_id=project_id, channel=channel, since=since, until=until)
    return round(int(took[0]["total_fen"]) * gap.total_seconds() / covered)


def _duplicate_or_refund(
    store: Store, event: Event, project_id: str, until: dt.datetime, over_fen: int, tolerance_fen: int
) -> Cause | Part | None:
    """A possible duplicate of the project whose money is the difference, else a gift whose money is (a refund
    not imported), else possible duplicates that together make up a plausible share of it, or what they do explain."""
    pairs = [
        d
        for d in store.query(
            "alerts_possible_duplicates",
            from_at=event.takes_from,
            to_at=until,
            within_seconds=event.console.duplicate_within_seconds,
            limit_n=DUPLICATES_LOOKED_AT,
        )
        if d["project_id"] == project_id
    ]
    exact = [d for d in pairs if d["amount_fen"] == over_fen]
    if exact:
        return _duplicates(exact[:1], over_fen)
    candidates = store.query("drift_refund_candidates", project_id=project_id, until=until, diff_fen=over_fen)
    if candidates:
        return _refund(event, candidates, over_fen)
    taken, sum_fen = [], 0
    for d in sorted(pairs, key=lambda d: -int(d["amount_fen"])):
        if sum_fen + int(d["amount_fen"]) <= over_fen + tolerance_fen:
            taken.append(d)
            sum_fen += int(d["amount_fen"])
    if not taken:
        return None
    if plausible(sum_fen, over_fen, tolerance_fen):
        return _duplicates(taken, over_fen)
    return Part(sum_fen, f"{len(taken)} 笔可能重复的捐款", f"{len(taken)} possible duplicate(s)")


def _duplicates(taken: list[dict], over_fen: int) -> Cause:
    """The first pair in words, and when there are more, how many and their sum beside the difference."""
    d = taken[0]
    seconds = int((d["occurred_at"] - d["earlier_at"]).total_seconds())
    amount = format_yuan(int(d["amount_fen"]))
    exact = len(taken) == 1 and d["amount_fen"] == over_fen
    more = "，金额等于差额" if exact else ""
    more_en = ", the difference" if exact else ""
    tail = tail_en = ""
    if not exact:
        sum_fen = sum(int(t["amount_fen"]) for t in taken)
        tail = f"；共 {len(taken)} 笔可能重复，合计 {format_yuan(sum_fen)}，差额 {format_yuan(over_fen)}"
        tail_en = f"; {len(taken)} possible duplicate(s) in all, {format_yuan(sum_fen)} of {format_yuan(over_fen)}"
    return Cause(
        "duplicate",
        both(
            f"可能重复：捐款 {d['donation_id']} 与 {d['earlier_id']} 同一捐赠人、同一金额 {amount}{more}，"
            f"相隔 {seconds} 秒{tail}",
            f"possible duplicate: gift {d['donation_id']} and {d['earlier_id']}, the same donor and amount "
            f"{amount}{more_en}, {seconds} s apart{tail_en}",
        ),
    )


def _refund(event: Event, candidates: list[dict], over_fen: int) -> Cause:
    c = candidates[0]
    others = f"（另有 {len(candidates) - 1} 笔同额）" if len(candidates) > 1 else ""
    others_en = f" ({len(candidates) - 1} more of that amount)" if len(candidates) > 1 else ""
    return Cause(
        "refund",
        both(
            f"可能有退款尚未导入：捐款 {c['donation_id']}（{_clock(event, c['occurred_at'])}）"
            f"{format_yuan(over_fen)} 与差额相等{others}",
            f"a refund not imported yet? gift {c['donation_id']} ({_clock(event, c['occurred_at'])}) of "
            f"{format_yuan(over_fen)} equals the difference{others_en}",
        ),
    )
