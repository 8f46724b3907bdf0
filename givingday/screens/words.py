"""The screens' words, Chinese and English, and times said as words ("3小时29分", "2277 天 8 小时"), never as
clock readings or millions of minutes."""

from __future__ import annotations

import datetime as dt

LABELS = {
    "zh": {
        "total": "善款总额",
        "public": "公众捐款",
        "matched": "配捐",
        "donations": "人次",
        "donors": "人数",
        "goal_reached": "{name} 达成目标！感谢每一份爱心",
        "goal": "目标",
        "today": "今日",
        "projects": "项目榜",
        "teams": "队伍榜",
        "sites": "点位榜",
        "latest": "最新爱心",
        "per_minute": "近一小时每分钟人次",
        "peak": "峰值 {n} 人次/分钟",
        "scan": "扫码捐款",
        "updated": "更新于",
        "demo": "演示数据 · 非真实统计",
        "stale": "数据已 {age}未更新，请检查数据接入",
        "old": "屏幕数字已 {age}未刷新，请检查看板与数据库",
        "age_days": "{d} 天 {h} 小时",
        "age_hours": "{h} 小时 {m} 分钟",
        "age_minutes": "{m} 分钟",
        "unknown_age": "无法确认屏幕数字是否最新，请检查看板与数据库",
        "day_ends": "距今日结束",
        "event_ends": "距活动结束",
        "matching_opens": "距配捐开启",
        "matching_now": "配捐进行中",
        "pool_spent": "今日配捐额度已用完",
        "matching_next": "明日 {at} 开启新一轮配捐",
        "days_hours": "{d}天{h}小时",
        "hours_minutes": "{h}小时{m}分",
        "minutes": "{m}分钟",
        "under_a_minute": "不到1分钟",
        "ended": "活动已结束",
        "not_started": "活动未开始",
        "ago": "{m}分钟前",
        "hours_ago": "{h}小时前",
        "days_ago": "{d}天前",
        "just_now": "刚刚",
        "milestone": "善款突破 {v}！感谢每一份爱心",
        "map": "点位地图",
        "district": "全区",
        "site_total": "本点位",
        "site_teams": "本点位队伍",
        "site_rank": "点位第{n}名/共{of}个",
        "day_n": "第{n}天",
        "pool": "今日配捐池已用",
        "wan": "万元",
        "yuan": "元",
        "no_gifts": "暂无捐款",
        "parent_no_goal": "目标见各子项目",
        "no_goal": "未设目标",
        "forecast": "预计今日 {band}（80%）",
    },
    "en": {
        "total": "Total raised",
        "public": "Public gifts",
        "matched": "Matching",
        "donations": "Gifts",
        "donors": "Donors",
        "goal_reached": "{name} reached its goal! Thank you",
        "goal": "Goal",
        "today": "Today",
        "projects": "Top projects",
        "teams": "Top teams",
        "sites": "Top sites",
        "latest": "Latest gifts",
        "per_minute": "Gifts per minute, last hour",
        "peak": "Most in a minute: {n}",
        "scan": "Scan to give",
        "updated": "Updated",
        "demo": "DEMO DATA · not the real count",
        "stale": "No new data for {age}: check the data feed",
        "old": "These figures are {age} old: check the board and its database",
        "age_days": "{d} d {h} h",
        "age_hours": "{h} h {m} min",
        "age_minutes": "{m} min",
        "unknown_age": "Cannot tell how old these figures are: check the board and its database",
        "day_ends": "Day ends in",
        "event_ends": "Event ends in",
        "matching_opens": "Matching opens in",
        "matching_now": "Matching is on",
        "pool_spent": "Today's matching pool is spent",
        "matching_next": "Next round: tomorrow {at}",
        "days_hours": "{d} d {h} h",
        "hours_minutes": "{h} h {m} min",
        "minutes": "{m} min",
        "under_a_minute": "under 1 min",
        "ended": "The event has ended",
        "not_started": "Not started yet",
        "ago": "{m} min ago",
        "hours_ago": "{h} h ago",
        "days_ago": "{d} d ago",
        "just_now": "just now",
        "milestone": "We passed {v}! Thank you",
        "map": "Site map",
        "district": "District",
        "site_total": "This site",
        "site_teams": "Teams here",
        "site_rank": "#{n} of {of} sites",
        "day_n": "Day {n}",
        "pool": "Pool today",
        "wan": "0k yuan",
        "yuan": "yuan",
        "no_gifts": "No gifts yet",
        "parent_no_goal": "see sub-projects",
        "no_goal": "no goal set",
        "forecast": "Today expected {band} (80%)",
    },
}


def t(lang: str, key: str, **kw: object) -> str:
    return LABELS.get(lang, LABELS["zh"])[key].format(**kw)


def in_words(seconds: float, lang: str, forms: tuple[str, str, str]) -> str:
    """Seconds as days and hours, hours and minutes, or minutes, in the first of `forms` that has a unit."""
    m = max(int(seconds), 0) // 60
    d, h, m = m // 1440, m % 1440 // 60, m % 60
    return t(lang, forms[0] if d else forms[1] if h else forms[2], d=d, h=h, m=m)


def duration(delta: dt.timedelta, lang: str) -> str:
    """A time left as words ("3小时29分"), never as a clock reading ("03:29:41" looks like a time of day)."""
    if delta.total_seconds() < 60:
        return t(lang, "under_a_minute")
    return in_words(delta.total_seconds(), lang, ("days_hours", "hours_minutes", "minutes"))


def age(seconds: float, lang: str) -> str:
    """How long ago, for a banner: "2277 天 18 小时" for an old store, never millions of minutes."""
    return in_words(seconds, lang, ("age_days", "age_hours", "age_minutes"))
