"""A demo giving day: a deterministic, realistic stream of gifts over the roster, fed through the same ingestion
path as real data (platform-style export files, imported or dropped into the inbox).

The whole event is drawn at once with numpy from a seed: arrivals per minute follow the day's rhythm (quiet
nights, the 09:00 launch, the 10:00 matching surge, lunch, the evening peak) times real burst factors from a
charity marathon; gift sizes as people give; a few teams and sites raise most, a site the more the more volunteers
are on shift there at the time (the roster's shifts.csv, with diminishing returns); matching from 10:00 with a
random share, a cap per donor per day and a daily pool; a livestream sale window; rare corporate gifts; about
one gift in `MESSAGE_EVERY` with a donor's message (留言), waiting for an organizer on the moderation page.
Backfill writes gifts up to a moment; live mode writes the next slice every second on a demo clock.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from givingday import clock, config
from givingday.config import Event
from givingday.ingest.batch import ImportReport, import_bytes
from givingday.ingest.roster import Roster, read_roster
from givingday.store.database import Store

BASE_DONATIONS = 150_000
DAY_SHARES = (0.45, 0.30, 0.25)
# How much one event, one day and one quarter of a day (night, morning, afternoon, evening) differ from the usual
# (the sigma of a lognormal factor): a year draws more people than another, a rainy day fewer, a post that
# spreads in the morning lifts the morning. Drawn from their own generator, so the rest of a seed's draw keeps
# its order.
EVENT_LEVEL_SIGMA = 0.15
DAY_LEVEL_SIGMA = 0.10
QUARTER_SIGMA = 0.10
# Relative arrivals per hour of the day (00..23).
HOURLY = np.array(
    [
        0.06,
        0.04,
        0.03,
        0.03,
        0.03,
        0.05,
        0.12,
        0.30,
        0.60,
        1.60,
        3.00,
        2.20,
        1.20,
        1.30,
        1.40,
        1.50,
        1.50,
        1.60,
        2.00,
        2.60,
        2.80,
        2.20,
        1.10,
        0.35,
    ]
)
AMOUNTS_FEN = np.array([100, 500, 990, 1000, 2000, 5000, 9900, 10000, 19900, 52000, 99900])
AMOUNT_WEIGHTS = np.array([28, 12, 10, 19, 10, 8, 5, 5, 1.5, 0.8, 0.4])
CORPORATE_FEN = np.array([10_000, 20_000, 50_000, 100_000, 200_000]) * 100
CORPORATE_WEIGHTS = np.array([40, 30, 18, 9, 3]) / 100
LIVESTREAM_PRICES_FEN = np.array([1990, 3990, 5990, 9900, 19900])
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华文玉兰建国红梅晨宇浩然欣怡子涵")
HEADER = [
    "订单号",
    "捐款时间",
    "昵称",
    "用户ID",
    "捐赠金额(元)",
    "配捐金额(元)",
    "项目名称",
    "一起捐队伍",
    "点位",
    "渠道",
]
DEMO_INTERESTING = dt.time(20, 30)
# A site's pull on a gift given at a site: its own weight times (UNSTAFFED + log(1 + volunteers on shift / HANDS)),
# so an empty site still draws a few gifts (posters, passers-by) and each extra volunteer adds less than the last.
UNSTAFFED = 0.3
HANDS = 5.0


# What donors write with a gift, as a giving day's messages read: mostly wishes, now and then a phone number (the
# import scrubs it) or an advertisement (an organizer denies it). Chosen by the gift's number, not drawn, so the
# demo's figures are the same with or without them.
MESSAGES = (
    "为二七加油！",
    "一点心意，愿孩子们健康成长。",
    "致敬老兵，愿您安康。",
    "志愿者们辛苦了！",
    "希望房子早日修好，冬天不再漏雨。",
    "公益路上，一起走。",
    "替我妈妈捐的，她说要常做好事。",
    "支持家乡建设，德化街加油",
    "小小心意，不成敬意。",
    "有需要帮忙的可以联系我 13912345678",
    "加微信领红包 wx99888 返现",
    "Good luck from Zhengzhou!",
)
MESSAGE_EVERY = 200


def _messages(n: int) -> np.ndarray:
    """The message of each of `n` gifts ("" for most): every gift whose number's hash falls on `MESSAGE_EVERY`."""
    spread = (np.arange(n, dtype=np.uint64) * np.uint64(2654435761)) % np.uint64(2**32)
    out = np.full(n, "", dtype=object)
    said = spread % MESSAGE_EVERY == 0
    out[said] = np.array(MESSAGES, dtype=object)[(spread[said] // MESSAGE_EVERY) % len(MESSAGES)]
    return out


@dataclass
class Gifts:
    """The whole demo event, sorted by time. Money in fen, times in UTC epoch seconds."""

    at: np.ndarray
    amount: np.ndarray
    matched: np.ndarray
    project: np.ndarray  # object array of project names
    team: np.ndarray  # team names or ""
    site: np.ndarray  # site names or ""
    channel: np.ndarray
    donor: np.ndarray  # donor index
    order_id: np.ndarray
    message: np.ndarray  # the donor's message (留言), "" for none

    def __len__(self) -> int:
        return len(self.at)

    def window(self, start: float, end: float) -> slice:
        return slice(int(np.searchsorted(self.at, start, "left")), int(np.searchsorted(self.at, end, "left")))


def _bursts() -> np.ndarray:
    raw = json.loads((config.DATA_DIR / "demo" / "burst_factors.json").read_text())
    return np.array(raw["factors"], dtype=float)


def _zipf(n: int, s: float, rng: np.random.Generator, head: int = 0) -> np.ndarray:
    """Weights for n items where a few take most; the first `head` items are kept at the top."""
    ranks = np.arange(1, n + 1, dtype=float)
    order = np.concatenate([np.arange(head), head + rng.permutation(n - head)])
    weights = np.empty(n)
    weights[order] = 1 / ranks**s
    return weights / weights.sum()


def _site_pull(roster: Roster, site_w: np.ndarray, day_number: int) -> np.ndarray:
    """Each site's pull in each minute of the day (1440 × sites): its weight, grown by the volunteers on shift."""
    index = {s["site_id"]: i for i, s in enumerate(roster.sites)}
    on_shift = np.zeros((1440, len(roster.sites)))
    for shift in roster.shifts:
        if shift["day_number"] == day_number:
            on_shift[shift["start_minute"] : shift["end_minute"], index[shift["site_id"]]] += shift["volunteers"]
    return site_w * (UNSTAFFED + np.log1p(on_shift / HANDS))


def _draw_rows(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One column index per row of `weights`, drawn in proportion to that row."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def draw_event(event: Event, roster: Roster, start: dt.date, seed: int = 99, scale: float = 1.0) -> Gifts:
    rng = np.random.default_rng(seed)
    tz = event.tz
    bursts = _bursts()
    total = BASE_DONATIONS * scale
    minutes_per_day = 1440
    start_at = dt.datetime.combine(start, dt.time(0), tz).timestamp()

    team_names = np.array([t["name"] for t in roster.teams], dtype=object)
    team_project = {t["name"]: t["project_id"] for t in roster.teams}
    project_name = {p["project_id"]: p["name"] for p in roster.projects}
    team_project_names = np.array([project_name[team_project[n]] for n in team_names], dtype=object)
    subprojects = np.array([p["name"] for p in roster.projects if p["parent_id"] or p["category"]], dtype=object)
    parent = next(p["name"] for p in roster.projects if not p["parent_id"] and not p["category"])
    site_names = np.array([s["name"] for s in roster.sites], dtype=object)
    team_w = _zipf(len(team_names), 0.85, rng, head=5)
    project_w = _zipf(len(subprojects), 0.7, rng, head=3)
    site_w = _zipf(len(site_names), 1.0, rng, head=2)

    levels = np.random.default_rng([seed, 1])
    event_level = levels.lognormal(0, EVENT_LEVEL_SIGMA)
    parts: list[dict[str, np.ndarray]] = []
    for day in range(event.days):
        share = DAY_SHARES[day] if day < len(DAY_SHARES) else DAY_SHARES[-1]
        hourly = np.repeat(HOURLY * np.repeat(levels.lognormal(0, QUARTER_SIGMA, 4), 6), 60)
        intensity = hourly * bursts[day * minutes_per_day : (day + 1) * minutes_per_day]
        level = event_level * levels.lognormal(0, DAY_LEVEL_SIGMA)
        intensity = intensity / intensity.sum() * total * share * level
        counts = rng.poisson(intensity)
        n = int(counts.sum())
        minute = np.repeat(np.arange(minutes_per_day), counts)
        at = start_at + day * 86400 + minute * 60 + rng.integers(0, 60, n)
        amount = rng.choice(AMOUNTS_FEN, n, p=AMOUNT_WEIGHTS / AMOUNT_WEIGHTS.sum())
        via_team = rng.random(n) < 0.62
        team_idx = rng.choice(len(team_names), n, p=team_w)
        team = np.where(via_team, team_names[team_idx], "")
        project = np.where(
            via_team, team_project_names[team_idx], subprojects[rng.choice(len(subprojects), n, p=project_w)]
        )
        at_site = ~via_team & (rng.random(n) < 0.5)
        site = np.full(n, "", dtype=object)
        pull = _site_pull(roster, site_w, day + 1)
        site[at_site] = site_names[_draw_rows(pull[minute[at_site]], rng)]
        channel = np.full(n, "qr", dtype=object)
        donor = rng.integers(0, max(int(total * 0.75), 1), n)
        repeaters = rng.random(n) < 0.25  # some people give again and again
        donor = np.where(repeaters, donor % max(int(total * 0.05), 1), donor)
        day_part = {
            "at": at,
            "amount": amount,
            "project": project,
            "team": team,
            "site": site,
            "channel": channel,
            "donor": donor,
        }

        # Corporate gifts: rare and large, in office hours.
        k = max(1, int(round(5 * scale * share / 0.33)))
        corporate = {
            "at": start_at + day * 86400 + rng.integers(9 * 3600, 18 * 3600, k),
            "amount": rng.choice(CORPORATE_FEN, k, p=CORPORATE_WEIGHTS),
            "project": subprojects[rng.choice(len(subprojects), k, p=project_w)],
            "team": np.full(k, "", dtype=object),
            "site": np.full(k, "", dtype=object),
            "channel": np.full(k, "corporate", dtype=object),
            "donor": rng.integers(10**9, 10**9 + 1000, k),
        }
        parts += [day_part, corporate]
        if day == 0:  # the livestream sale, 15:00–17:00 on day one, all to the parent project
            k = int(2000 * scale)
            parts.append(
                {
                    "at": start_at + rng.integers(15 * 3600, 17 * 3600, k),
                    "amount": rng.choice(LIVESTREAM_PRICES_FEN, k),
                    "project": np.full(k, parent, dtype=object),
                    "team": np.full(k, "", dtype=object),
                    "site": np.full(k, "", dtype=object),
                    "channel": np.full(k, "livestream", dtype=object),
                    "donor": rng.integers(0, max(int(total * 0.75), 1), k),
                }
            )
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(cols["at"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    matched = _matching(event, cols, start_at, rng)
    n = len(cols["at"])
    order_id = np.array([f"99{seed % 100:02d}{i:09d}" for i in range(n)], dtype=object)
    return Gifts(
        cols["at"].astype(np.int64),
        cols["amount"].astype(np.int64),
        matched,
        cols["project"],
        cols["team"],
        cols["site"],
        cols["channel"],
        cols["donor"],
        order_id,
        _messages(n),
    )


def _matching(event: Event, cols: dict, start_at: float, rng: np.random.Generator) -> np.ndarray:
    """配捐 from the daily start time: a random share of some QR gifts, capped per donor per day, until the
    day's pool runs out. Done with cumulative sums: a gift gets min(cap, sum so far) - min(cap, sum before)."""
    m = event.matching
    n = len(cols["at"])
    day = ((cols["at"] - start_at) // 86400).astype(np.int64)
    seconds = (cols["at"] - start_at) % 86400
    opens = m.daily_start.hour * 3600 + m.daily_start.minute * 60
    eligible = (cols["channel"] == "qr") & (seconds >= opens) & (rng.random(n) < 0.6)
    share = rng.uniform(m.share_min, m.share_max, n)
    wanted = np.where(eligible, np.floor(cols["amount"] * share), 0).astype(np.int64)

    def capped(values: np.ndarray, groups: np.ndarray, cap: int) -> np.ndarray:
        order = np.lexsort((np.arange(n), groups))
        v, g = values[order], groups[order]
        cum = np.cumsum(v)
        starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
        base = np.repeat(np.r_[0, cum[starts[1:] - 1]], np.diff(np.r_[starts, n]))
        incl = cum - base
        got = np.minimum(cap, incl) - np.minimum(cap, incl - v)
        out = np.empty(n, dtype=np.int64)
        out[order] = got
        return out

    per_donor = capped(wanted, day * 10**10 + cols["donor"].astype(np.int64), m.per_donor_daily_cap_fen)
    return capped(per_donor, day, m.daily_pool_fen)


def _name(donor: int) -> str:
    if donor % 7 == 0:
        return "匿名"
    return SURNAMES[donor % len(SURNAMES)] + GIVEN[(donor // 7) % len(GIVEN)] + GIVEN[(donor // 311) % len(GIVEN)]


def export_bytes(gifts: Gifts, rows: slice | np.ndarray, tz: dt.tzinfo, extra_lines: list[str] = ()) -> bytes:
    """A platform-style export (UTF-8 with BOM, as the platform downloads it) of the chosen gifts."""
    at = gifts.at[rows]
    donors = gifts.donor[rows]
    offset = int(dt.datetime.fromtimestamp(int(at[0]) if len(at) else 0, tz).utcoffset().total_seconds())
    times = pa.array(at + offset, pa.int64()).cast(pa.timestamp("s"))
    table = pa.table(
        {
            "订单号": gifts.order_id[rows].astype(str),
            "捐款时间": pc.strftime(times, format="%Y-%m-%d %H:%M:%S"),
            "昵称": [_name(int(d)) for d in donors],
            "用户ID": [f"u{int(d)}" for d in donors],
            "捐赠金额(元)": [f"{a // 100}.{a % 100:02d}" for a in gifts.amount[rows]],
            "配捐金额(元)": [f"{a // 100}.{a % 100:02d}" for a in gifts.matched[rows]],
            "项目名称": gifts.project[rows].astype(str),
            "一起捐队伍": gifts.team[rows].astype(str),
            "点位": gifts.site[rows].astype(str),
            "渠道": gifts.channel[rows].astype(str),
            "留言": gifts.message[rows].astype(str),
        }
    )
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="needed"))
    body = buf.getvalue()
    if extra_lines:
        body += ("\n".join(extra_lines) + "\n").encode()
    return b"\xef\xbb\xbf" + body


def demo_start(event: Event, today: dt.date | None = None) -> dt.date:
    """The default first day: today in the event's zone, so the screens show today's date."""
    return today or dt.datetime.now(event.tz).date()


def store_origin(store: Store) -> str:
    """'empty', 'demo' (only the demo's own files added gifts), 'real' (only other files, forms or uploads did)
    or 'mixed' (both: a store that must not be used for the real day)."""
    o = store.query("imports_by_origin")[0]
    if o["other_files"]:
        return "mixed" if o["demo_files"] else "real"
    return "demo" if o["demo_files"] else "empty"


def backfill(
    store: Store, gifts: Gifts, until: float, chunk_seconds: int = 3600, board: clock.BoardTime | None = None
) -> list[ImportReport]:
    """Import every gift before `until` (epoch seconds) straight into the store, an hour's export per file;
    judged on `board`'s clock when given (the demo's, before it is written), else the board's."""
    reports = []
    if not len(gifts):
        return reports
    t = float(gifts.at[0])
    while t < until:
        end = min(until, t + chunk_seconds)
        rows = gifts.window(t, end)
        if rows.stop > rows.start:
            name = f"demo-{dt.datetime.fromtimestamp(t, store.event.tz):%Y%m%d-%H%M}.csv"
            reports.append(import_bytes(store, export_bytes(gifts, rows, store.event.tz), name, board=board))
        t = end
    return reports


class LiveFeed(threading.Thread):
    """Drops the next slice of the demo into the inbox every second, on the demo clock.

    Now and then a file repeats the previous file's rows (an overlapping re-sent export) or carries a broken
    row, so idempotency and rejection are exercised while the screens run.
    """

    def __init__(
        self,
        inbox: Path,
        event: Event,
        gifts: Gifts,
        demo_clock: clock.DemoClock,
        start_from: float,
        interval: float = 1.0,
    ):
        super().__init__(name="givingday-demo", daemon=True)
        self.inbox, self.event, self.gifts, self.clock = inbox, event, gifts, demo_clock
        self.cursor = start_from
        self.interval = interval
        self.stopping = threading.Event()
        self.files = 0
        self._previous: slice | None = None

    def step(self, now_epoch: float) -> Path | None:
        """Write the gifts between the cursor and `now_epoch` as one export file; None when there are none."""
        rows = self.gifts.window(self.cursor, now_epoch)
        self.cursor = max(self.cursor, now_epoch)
        if rows.stop <= rows.start:
            return None
        self.files += 1
        chosen: slice | np.ndarray = rows
        if self._previous is not None and self.files % 25 == 0:
            chosen = np.r_[np.arange(self._previous.start, self._previous.stop), np.arange(rows.start, rows.stop)]
        extra = []
        if self.files % 40 == 0:
            extra = [f"bad{self.files},2020-13-45 25:61:00,测试,,-1,,不存在的项目,,,qr,"]
        self._previous = rows
        self.inbox.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.fromtimestamp(now_epoch, self.event.tz).strftime("%Y%m%d-%H%M%S")
        name = f"demo-{stamp}-{self.files}.csv"
        part = self.inbox / f".{name}.part"
        part.write_bytes(export_bytes(self.gifts, chosen, self.event.tz, extra))
        part.replace(self.inbox / name)
        return self.inbox / name

    def run(self) -> None:
        end = float(self.gifts.at[-1]) + 1 if len(self.gifts) else 0.0
        while not self.stopping.is_set() and self.cursor < end:
            self.step(self.clock.now_epoch())
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()


def parse_until(text: str | None, event: Event, start: dt.date) -> float:
    """`--backfill-until`: 'HH:MM' on the first day, a full date and time, or the default moment of day one."""
    if not text:
        return dt.datetime.combine(start, DEMO_INTERESTING, event.tz).timestamp()
    try:
        t = dt.time.fromisoformat(text)
        return dt.datetime.combine(start, t, event.tz).timestamp()
    except ValueError:
        pass
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=event.tz)
    return moment.timestamp()


def start_demo(
    store: Store,
    start: dt.date | None = None,
    until: str | None = None,
    seed: int = 99,
    scale: float = 1.0,
    speed: float = 1.0,
    live: bool = True,
) -> LiveFeed | None:
    """Backfill the demo into the store (once), set the demo clock, and with `live` start the feed.

    On a restart (the clock file exists) nothing is backfilled: the feed carries on from the last stored gift.
    """
    event = store.event
    demo_clock = clock.read_clock(store.location)
    if demo_clock is None:
        start = start or demo_start(event)
        gifts = draw_event(event, read_roster(config.ROSTER_DIR), start, seed=seed, scale=scale)
        until_epoch = parse_until(until, event, start)
        demo_clock = clock.DemoClock(time.time(), until_epoch, speed, start.isoformat(), seed, scale)
        # Judged on the demo's clock (its days, its now), which is written once the backfill is in.
        backfill(store, gifts, until_epoch, board=clock.time_on(event, demo_clock))
        demo_clock = clock.DemoClock(time.time(), until_epoch, speed, start.isoformat(), seed, scale)
        clock.write_clock(store.location, demo_clock)
        cursor = until_epoch
    else:
        start = dt.date.fromisoformat(demo_clock.first_day)
        gifts = draw_event(event, read_roster(config.ROSTER_DIR), start, demo_clock.seed, demo_clock.scale)
        last = store.query("totals_overall")[0]["last_gift_at"]
        cursor = last.timestamp() if last is not None else demo_clock.now_epoch()
    if not live:
        return None
    feed = LiveFeed(store.inbox, event, gifts, demo_clock, cursor)
    feed.start()
    return feed
