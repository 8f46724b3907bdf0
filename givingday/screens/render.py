"""The plaza big screen as HTML: pure functions from a Snapshot to markup, so a refresh costs one string.

Everything shown is escaped; sizes are in viewport units so 1920×1080 and 3840×2160 look the same; the
layout is a fixed grid that never scrolls. Charts and the map are inline SVG (no scripts, no tiles).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from givingday.forecast.words import millions, wan_band
from givingday.money import format_column, format_goal_share, format_short, format_yuan, goal_share
from givingday.screens import map as site_map
from givingday.screens import moments
from givingday.screens.snapshot import TOP_N, Snapshot
from givingday.screens.words import age, duration, in_words, t

VIEWS = ("overview", "projects", "teams", "sites", "map")
REFRESH_SECONDS = 5  # what 500 screens on one 2-core server hold (docs/performance.md)
REFRESH_RANGE = (1, 60)
CELEBRATE_SECONDS = 30


@dataclass(frozen=True)
class ScreenParams:
    """What a screen's URL asks for: view=overview|projects|teams|sites|map, rotate=SECONDS, site=ID, lang=en,
    refresh=SECONDS. Anything unreadable falls back to the default, so a typo never blanks a plaza screen."""

    view: str = "overview"
    rotate: int = 0
    site: str | None = None
    lang: str = "zh"
    refresh: int = REFRESH_SECONDS

    def view_now(self, now: float | None = None) -> str:
        """The view to show at `now`: with rotate=N, the views take turns of N seconds on every screen alike."""
        if not self.rotate:
            return self.view
        return VIEWS[int((time.time() if now is None else now) // self.rotate) % len(VIEWS)]


def newly_passed(seen: int | None, milestone: int | None) -> bool:
    """Whether a screen celebrates `milestone`, the highest passed now, having last seen `seen` (None: none
    passed yet). A screen's first look is no celebration: the caller asks only once it has seen something."""
    return milestone is not None and (seen is None or milestone > seen)


def honoured(milestone: int | None, asked: str | None) -> int | None:
    """The milestone a screen asks to celebrate (the screen decides when), if the total has reached it."""
    return milestone if asked is not None and milestone is not None and asked == str(milestone) else None


def celebration(snap: Snapshot, asked: str | None) -> int | str | None:
    """What a screen asks to celebrate, if the snapshot allows it: the milestone the total has reached, or the
    goal moment (`screens.moments`) of a project or team at its goal that this screen shows."""
    if moments.is_goal(asked):
        return asked if asked in snap.goals else None
    return honoured(snap.milestone_passed(), asked)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def screen_params(get: Callable[[str], str | None]) -> ScreenParams:
    """Read a screen's parameters through `get` (the page's query parameters, or the wall's request's)."""
    view = get("view") or "overview"
    refresh = _int(get("refresh"), REFRESH_SECONDS)
    return ScreenParams(
        view=view if view in VIEWS else "overview",
        rotate=max(0, _int(get("rotate"), 0)),
        site=get("site") or None,
        lang="en" if get("lang") == "en" else "zh",
        refresh=min(max(refresh, REFRESH_RANGE[0]), REFRESH_RANGE[1]),
    )


CSS = "<style>" + Path(__file__).with_name("screen.css").read_text(encoding="utf-8") + "</style>"


def svg_img(svg: str, style: str, alt: str) -> str:
    """SVG as an <img> with a data URI: Streamlit's HTML sanitiser drops inline <svg>, never images."""
    data = base64.b64encode(svg.encode()).decode()
    return f'<img alt="{esc(alt)}" style="{style}" src="data:image/svg+xml;base64,{data}"/>'


def gift_count(n: int, lang: str) -> str:
    """A count of gifts with its word: 1 人次, 3 人次; 1 gift, 3 gifts."""
    if lang == "en":
        return f"{n:,} gift" if n == 1 else f"{n:,} gifts"
    return f"{n:,} {t(lang, 'donations')}"


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _progress(value_fen: int, goal_fen: int, digits: int = 0) -> tuple[str, str]:
    """A goal's bar and its share as text with `digits` decimals, both cut down (`money.goal_share`): full, and
    100%, only once the goal is reached."""
    width = min(goal_share(value_fen, goal_fen) * 100, 100)
    bar = f'<div class="bar"><div style="width:{width:.1f}%"></div></div>'
    return bar, format_goal_share(value_fen, goal_fen, digits)


def countdowns(snap: Snapshot, lang: str) -> list[str]:
    """Time left in the day and in the event, and where matching stands: opening, on, or today's pool spent
    (then when the next round opens, if the event has another day)."""
    ev = snap.event
    local = snap.local_now
    if local >= ev.ends_at:
        return [t(lang, "ended")]
    if local < ev.starts_at:
        return [f"{t(lang, 'not_started')} · <b>{duration(ev.starts_at - local, lang)}</b>"]
    day_end = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), ev.tz)
    out = [
        f"{t(lang, 'day_ends')} <b>{duration(day_end - local, lang)}</b>",
        f"{t(lang, 'event_ends')} <b>{duration(ev.ends_at - local, lang)}</b>",
    ]
    opens = dt.datetime.combine(local.date(), ev.matching.daily_start, ev.tz)
    if local < opens:
        out.append(f"{t(lang, 'matching_opens')} <b>{duration(opens - local, lang)}</b>")
    elif snap.totals["day_matched_fen"] < ev.matching.daily_pool_fen:
        out.append(t(lang, "matching_now"))
    else:
        out.append(t(lang, "pool_spent"))
        if day_end < ev.ends_at:
            out.append(t(lang, "matching_next", at=f"{ev.matching.daily_start:%H:%M}"))
    return out


def _board(title: str, rows: list[dict], lang: str, limit: int) -> str:
    items = []
    shown = rows[:limit]
    amounts = format_column([r["total_fen"] for r in shown], lang)
    for i, (r, amount) in enumerate(zip(shown, amounts, strict=True), start=1):
        if r.get("goal_fen"):
            goal = "".join(_progress(r["total_fen"], r["goal_fen"]))
        else:  # why there is no bar: a parent's goal is its sub-projects'
            goal = f'<span class="nogoal">{esc(t(lang, "parent_no_goal" if r.get("is_parent") else "no_goal"))}</span>'
        items.append(
            f'<li><span class="rank">{i}</span><span class="name">{esc(r["name"])}</span>'
            f'<span class="amt">{esc(amount)}</span>'
            f'<span class="sub">{esc(gift_count(r["donations"], lang))}{goal}</span></li>'
        )
    return _list_card(title, items, lang)


def _list_card(title: str, items: list[str], lang: str, extra_class: str = "") -> str:
    body = "".join(items) or f"<li><span></span><span>{esc(t(lang, 'no_gifts'))}</span></li>"
    return f'<div class="card list {extra_class}"><h3>{esc(title)}</h3><ol>{body}</ol></div>'


def _message(text: str | None) -> str:
    """A donor's approved message under its gift (the snapshot holds no other), escaped like every text."""
    return f'<span class="msg">“{esc(text)}”</span>' if text else ""


def _ticker(snap: Snapshot, lang: str, limit: int) -> str:
    items = []
    for g in snap.latest[:limit]:
        since = (snap.now - g["occurred_at"]).total_seconds()
        ago = t(lang, "just_now") if since < 60 else in_words(since, lang, ("days_ago", "hours_ago", "ago"))
        cls = ' class="large"' if g["amount_fen"] >= snap.event.highlight_gift_fen else ""
        items.append(
            f'<li{cls}><span class="rank">{esc(ago)}</span>'
            f'<span class="name">{esc(g["donor_name_masked"])} · {esc(g["project_name"])}</span>'
            f'<span class="amt">{esc(format_yuan(g["amount_fen"]))}</span>{_message(g.get("message"))}</li>'
        )
    return _list_card(t(lang, "latest"), items, lang, "ticker")


def minutes_svg(snap: Snapshot, lang: str) -> str:
    """Gifts (人次, not money) per minute over the last hour, as bars, and the busiest minute's count."""
    minute = snap.now.replace(second=0, microsecond=0)
    counts = {r["minute_at"].astimezone(dt.UTC): r["donations"] for r in snap.minutes}
    values = [counts.get(minute - dt.timedelta(minutes=59 - i), 0) for i in range(60)]
    top = max(values) or 1
    bars = "".join(
        f'<rect x="{i * 10 + 1}" y="{100 - v / top * 92:.1f}" width="8" height="{v / top * 92:.1f}" fill="#34d399"/>'
        for i, v in enumerate(values)
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 100" preserveAspectRatio="none">{bars}</svg>'
    title = t(lang, "per_minute")
    peak = t(lang, "peak", n=f"{max(values):,}")
    return (
        f'<div class="card"><h3>{esc(title)}</h3><div class="peak">{esc(peak)}</div>'
        f"{svg_img(svg, 'width:100%;height:6vh', f'{title} · {peak}')}</div>"
    )


@cache
def qr_svg(url: str) -> str:
    import segno

    if not url:
        return ""
    svg = segno.make(url, error="m").svg_inline(border=2, dark="#000", light="#fff", omitsize=True)
    return svg_img(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1), "width:6.5vw;height:6.5vw", url)


def map_card(snap: Snapshot, lang: str) -> str:
    """The site map (screens/map.py) as an image that keeps its shape and fills the card."""
    svg, _ = site_map.map_svg(snap.sites, esc)
    return (
        f'<div class="card list"><h3>{esc(t(lang, "map"))}</h3>'
        f"{svg_img(svg, 'flex:1;min-height:0;width:100%;object-fit:contain', t(lang, 'map'))}</div>"
    )


def _site_rank(site: dict | None, lang: str) -> str:
    if not site or site["rank"] is None:
        return ""
    return f" · {esc(t(lang, 'site_rank', n=site['rank'], of=site['of_sites']))}"


def _site_goal(site: dict | None, lang: str) -> str:
    """A site's progress toward its goal (its teams' goals added up), or that it has none."""
    if not site:
        return ""
    if not site["goal_fen"]:
        return f'<div class="count">{esc(t(lang, "no_goal"))}</div>'
    bar, share = _progress(site["total_fen"], site["goal_fen"])
    return (
        f'{bar}<div class="count" id="site-goal">{esc(t(lang, "goal"))} '
        f"{esc(format_short(site['goal_fen'], lang))} · <b>{share}</b></div>"
    )


def _forecast(snap: Snapshot, lang: str) -> str:
    """Today's 80% band, on the district's screen when the event shows it there ([forecast] on_screens)."""
    f = snap.forecast
    if f is None or f.today is None:
        return ""
    low, high = f.today.low_fen, f.today.high_fen
    band = wan_band(low, high) if lang == "zh" else f"¥{millions(low)}–{millions(high)}M"
    return f'<div class="count" id="forecast">{esc(t(lang, "forecast", band=band))}</div>'


def render(
    snap: Snapshot,
    view: str = "overview",
    lang: str = "zh",
    celebrate: int | str | None = None,
    site_id: str | None = None,
    parts: dict | None = None,
    at: dt.datetime | None = None,
) -> str:
    """The whole screen for one refresh (`celebrate`: a milestone passed or a goal moment, `celebration`), shown at `at` (real time; when the snapshot was taken unless given).
    `parts` keeps, for the snapshots of one pass (`take_snapshots`: the district's figures are the same objects in
    each), the pieces every site's page shows alike, so 138 sites' pages cost a district page and 137 site cards,
    teams and tickers."""

    def common(piece: str, make: Callable[[], str]) -> str:
        if parts is None:
            return make()
        key = (piece, lang)
        if key not in parts:
            parts[key] = make()
        return parts[key]

    ev = snap.event
    tot = snap.totals
    banner = ""
    if snap.figures_old(at):  # the figures themselves are behind: a lagging standby, a feed that stopped
        behind = snap.figures_age(at)
        said = t(lang, "unknown_age") if behind is None else t(lang, "old", age=age(behind, lang))
        banner = f'<div class="banner" role="alert">{esc(said)}</div>'
    elif snap.is_stale:
        last = tot.get("last_gift_at")
        quiet = (snap.now - last).total_seconds() if last else 0
        banner = f'<div class="banner" role="alert">{esc(t(lang, "stale", age=age(quiet, lang)))}</div>'
    party = ""
    if moments.is_goal(celebrate) and celebrate in snap.goals:
        party = f'<div class="celebrate goal">{esc(t(lang, "goal_reached", name=snap.goals[celebrate]))}</div>'
    elif isinstance(celebrate, int) and celebrate:
        party = f'<div class="celebrate">{esc(t(lang, "milestone", v=format_short(celebrate, lang)))}</div>'
    if site_id:
        site = snap.site
        site_name = site["name"] if site else site_id
        site_total = site["total_fen"] if site else 0
        site_count = site["donations"] if site else 0
        middle = (
            f'<div class="card"><div class="label">{esc(t(lang, "site_total"))} · {esc(site_name)}</div>'
            f'<div class="stat" id="site-total" data-fen="{site_total}">{esc(format_short(site_total, lang))}</div>'
            f'<div class="count">{esc(gift_count(site_count, lang))} · {esc(t(lang, "donors"))} '
            f'<b id="site-donors">{site["donors"] if site else 0:,}</b>{_site_rank(site, lang)}</div>'
            f"{_site_goal(site, lang)}</div>"
        )
    else:
        middle = common("district", lambda: _district_card(snap, lang))
    headline, clocks = common("headline", lambda: _headline(snap, lang)), common("clocks", lambda: _clocks(snap, lang))
    head = f'<div class="head">{headline}{middle}{clocks}</div>'

    qr = f'<div class="card qr">{qr_svg(ev.giving_url)}<div>{esc(t(lang, "scan"))}</div></div>' if ev.giving_url else ""
    side = f'<div class="side">{_ticker(snap, lang, 5)}{common("minutes", lambda: minutes_svg(snap, lang))}{qr}</div>'
    if view == "map":
        body = f'<div class="body wide">{common("map", lambda: map_card(snap, lang))}{side}</div>'
    elif view in ("projects", "sites"):
        rows = snap.projects if view == "projects" else snap.sites
        body = f'<div class="body wide">{common(view, lambda: _board(t(lang, view), rows, lang, 10))}{side}</div>'
    elif view == "teams":
        body = f'<div class="body wide">{_board(t(lang, view), snap.teams, lang, 10)}{side}</div>'
    else:
        teams_title = t(lang, "site_teams") if site_id else t(lang, "teams")
        projects = common("top projects", lambda: _board(t(lang, "projects"), snap.projects, lang, TOP_N))
        sites = common("top sites", lambda: _board(t(lang, "sites"), snap.sites, lang, TOP_N))
        body = f'<div class="body">{projects}{_board(teams_title, snap.teams, lang, TOP_N)}{sites}{side}</div>'
    top, foot = common("top", lambda: _top(snap, lang)), common("foot", lambda: _foot(snap, lang))
    taken = round(snap.taken_at.timestamp() * 1000)  # the wall shows a board's page only if not older than its own
    return (
        f'{CSS}<div class="gd{" stale" if banner else ""}" data-taken-at="{taken}">'
        f"{top}{banner}{party}{head}{body}{foot}</div>"
    )


def _top(snap: Snapshot, lang: str) -> str:
    ev = snap.event
    title = ev.name if lang == "zh" else ev.name_en
    day = snap.day_index
    day_label = f" · {esc(t(lang, 'day_n', n=day + 1))}" if day is not None else ""
    demo = f'<span class="demo">{esc(t(lang, "demo"))}</span>' if snap.is_demo else ""
    return (
        f'<div class="top"><div>{esc(title)}{day_label}{demo}</div>'
        f'<div class="clock">{snap.local_now:%Y-%m-%d %H:%M:%S}</div></div>'
    )


def _headline(snap: Snapshot, lang: str) -> str:
    ev, tot = snap.event, snap.totals
    if ev.goal_fen:
        bar, share = _progress(tot["total_fen"], ev.goal_fen, 1)
        goal = f'{bar}<div class="split">{esc(t(lang, "goal"))} {esc(format_short(ev.goal_fen, lang))} · <b>{share}</b></div>'
    else:  # an event without a district goal (goal_yuan = 0)
        goal = f'<div class="split">{esc(t(lang, "no_goal"))}</div>'
    return (
        f'<div class="card"><div class="label">{esc(t(lang, "total"))}</div>'
        f'<div class="big" id="headline-total" data-fen="{tot["total_fen"]}">{esc(format_short(tot["total_fen"], lang))}</div>'
        f'<div class="split">{esc(t(lang, "public"))} {esc(format_yuan(tot["amount_fen"]))} + '
        f"{esc(t(lang, 'matched'))} {esc(format_yuan(tot['matched_fen']))}</div>"
        f"{goal}</div>"
    )


def _district_card(snap: Snapshot, lang: str) -> str:
    ev, tot = snap.event, snap.totals
    used, pool = format_column([tot["day_matched_fen"], ev.matching.daily_pool_fen], lang)
    return (
        f'<div class="card"><div class="label">{esc(t(lang, "donations"))}</div>'
        f'<div class="stat" id="headline-donations">{tot["donations"]:,}</div>'
        f'<div class="count">{esc(t(lang, "donors"))} <b id="headline-donors">{tot["donors"]:,}</b></div>'
        f'<div class="count">{esc(t(lang, "today"))} <b>{esc(format_short(tot["day_amount_fen"] + tot["day_matched_fen"], lang))}</b>'
        f" · {esc(gift_count(tot['day_donations'], lang))}</div>"
        f'<div class="count">{esc(t(lang, "pool"))} <b>{esc(used)}</b> / {esc(pool)}</div>{_forecast(snap, lang)}</div>'
    )


def _clocks(snap: Snapshot, lang: str) -> str:
    return '<div class="card count">' + "".join(f"<div>{c}</div>" for c in countdowns(snap, lang)) + "</div>"


def _foot(snap: Snapshot, lang: str) -> str:
    ev = snap.event
    return (
        f'<div class="foot"><span>{esc(t(lang, "updated"))} <span id="last-updated">{snap.local_now:%H:%M:%S}</span></span>'
        f"<span>{esc(ev.giving_url)}</span></div>"
    )


def unknown_site(site_id: str) -> str:
    """What a screen asking for a site the roster does not have shows, on the big screen and the wall alike:
    the id it asked for and where the ids are, Chinese first, in place of anybody's figures."""
    return (
        f'{CSS}<div class="gd gd-message" role="alert"><div class="big">未知点位 · {esc(site_id)}</div>'
        "<div>名单中没有这个点位，请检查网址中的 site= 参数（点位编号见点位名单 sites.csv）</div>"
        f"<div>Unknown site {esc(site_id)}: not in the roster; check site= in the address (ids in sites.csv)</div></div>"
    )
