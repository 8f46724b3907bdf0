"""The board's words, said once: channel labels, the 公益+ categories, the catch-all lines, the roles and the
pages each role may open. Pages, reports, the console and the command line all read them here."""

from __future__ import annotations

from dataclasses import dataclass

CHANNEL_NAMES: dict[str, str] = {
    "qr": "扫码捐款",
    "livestream": "直播义卖",
    "corporate": "企业捐赠",
    "bank": "银行转账",
    "offline": "线下现金",
}


def both(zh: str, en: str) -> str:
    """A message as organizers read it: Chinese first, English beside ('未知项目 'P9'。unknown project 'P9'')."""
    return f"{zh}。{en}"


def chinese_half(message: str) -> str:
    """The Chinese of a message made by `both`, for a page that is all Chinese (the leadership report)."""
    return message.partition("。")[0]


# The console's filters by name, as its sidebar and its scope line say them.
FILTER_NAMES: dict[str, str] = {
    "day": "日期",
    "category": "类别",
    "project_id": "项目",
    "team_id": "队伍",
    "street": "街道",
    "site_id": "点位",
    "channel": "渠道",
}

CATEGORIES = ("困难帮扶", "特殊关爱", "文化惠民", "便民利民")  # 公益+: a sub-project's category

NO_TEAM = "无队伍"  # money given without a 一起捐 team
NO_SITE = "无点位"  # money given at no public site
NO_STREET = "无街道"
NO_CATEGORY = "未分类（母项目）"  # a parent project has no category of its own

# How an import ended (the `imports` log's outcome).
IMPORT_OUTCOMES: dict[str, str] = {"committed": "已入账", "unreadable": "无法读取", "error": "出错"}
# Where an import came from (queries/imports_origin.sql), (Chinese, English), in the order the data page offers them:
# files first, as an operator looks for the file they just sent.
IMPORT_ORIGINS: dict[str, tuple[str, str]] = {
    "file": ("文件", "Files"),
    "api": ("接口", "API"),
    "console": ("录入", "Console"),
    "demo": ("演示", "Demo"),
}
# How a pledge was closed.
PLEDGE_OUTCOMES: dict[str, str] = {"fulfilled": "已到账", "cancelled": "已取消"}
# A gift's fields as a correction's audit line names them.
GIFT_FIELDS: dict[str, str] = {
    "amount_fen": "金额",
    "matched_fen": "配捐",
    "project_id": "项目",
    "team_id": "队伍",
    "site_id": "点位",
    "channel": "渠道",
    "occurred_at": "时间",
}

ROLE_NAMES: dict[str, str] = {"organizer": "组织者", "leader": "领导", "admin": "管理员"}
ROLES = tuple(ROLE_NAMES)
EVERYONE = None


@dataclass(frozen=True)
class Page:
    """A page of the board: its URL path (also the name `allow_only` checks), its file, its title in the menu,
    and the roles that may open it (`EVERYONE`: public, signed in or not)."""

    path: str
    file: str
    title: str
    icon: str | None
    roles: tuple[str, ...] | None


# In menu order; the first is the default page at "/".
PAGES = (
    Page("", "pages/big_screen.py", "大屏 Big screen", ":material/tv:", EVERYONE),
    Page("console", "pages/console.py", "控制台 Console", ":material/dashboard:", ("organizer", "leader", "admin")),
    Page("alerts", "pages/alerts.py", "提醒 Alerts", ":material/notifications_active:", ("organizer", "admin")),
    Page("act", "pages/act.py", "录入与更正 Record", ":material/edit_note:", ("organizer", "admin")),
    Page("data", "pages/data_status.py", "数据状态 Data", ":material/inbox:", ("organizer", "admin")),
    Page("drift", "pages/drift.py", "核对 Drift", ":material/rule:", ("organizer", "admin")),
    Page("moderation", "pages/moderation.py", "留言审核 Messages", ":material/chat:", ("organizer", "admin")),
    Page("summary", "pages/summary.py", "汇总报告 Summary", ":material/summarize:", ("organizer", "leader", "admin")),
)
# Shown at /signin, and in place of any page the session may not open.
SIGN_IN = Page("signin", "pages/sign_in.py", "登录 Sign in", None, EVERYONE)
# Where a role lands after signing in at /signin.
HOME_PAGE = {"organizer": "console", "leader": "summary", "admin": "console"}
PROTECTED_PAGES = tuple(p.path for p in PAGES if p.roles is not EVERYONE)


def page(path: str) -> Page:
    """The page at this URL path; a name no page has is a mistake in the code, so it raises."""
    for p in PAGES:
        if p.path == path:
            return p
    raise KeyError(f"no page at /{path}")


def pages_for(role: str | None) -> tuple[str, ...]:
    """The protected pages a role may open, in menu order (none when nobody is signed in)."""
    return tuple(p.path for p in PAGES if p.roles is not EVERYONE and role in p.roles)
