"""Where things live and what the event is: paths, the store's location, and `data/event.toml`.

Every command and page asks this module, so a setting has one place and one default.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from givingday.money import yuan_to_fen

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
QUERIES_DIR = ROOT / "queries"
ROSTER_DIR = DATA_DIR / "roster"
PROFILES_DIR = DATA_DIR / "profiles"
DEFAULT_DB = DATA_DIR / "givingday.duckdb"
DEFAULT_EVENT = DATA_DIR / "event.toml"

CHANNELS = ("qr", "livestream", "corporate", "bank", "offline")
MAX_MARGIN_DAYS = 31  # `[import] margin_days`: a window of months would let a mistyped month in


def db_location(explicit: str | None = None) -> str:
    """The store: `--db`, else `GIVINGDAY_DB`, else `data/givingday.duckdb`. A path or a SQLAlchemy URL."""
    return explicit or os.environ.get("GIVINGDAY_DB") or str(DEFAULT_DB)


def db_read_location(explicit: str | None = None) -> str | None:
    """`GIVINGDAY_DB_READ`: a read-only URL (a streaming standby of the PostgreSQL store) for the screens and the
    console; None reads from the store itself."""
    return explicit or os.environ.get("GIVINGDAY_DB_READ") or None


def db_url(location: str) -> str:
    """The SQLAlchemy URL: a path is a DuckDB file; `postgresql://…` (as people write it) gets its driver, psycopg."""
    scheme, sep, rest = location.partition("://")
    if sep and scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if sep:
        return location
    return f"duckdb:///{Path(location).resolve()}"


def db_file(location: str) -> Path | None:
    """The DuckDB file behind a location, or None for a server database."""
    if "://" not in location:
        return Path(location).resolve()
    if location.startswith("duckdb:///"):
        rest = location.removeprefix("duckdb:///")
        return None if rest.startswith(":memory:") else Path(rest).resolve()
    return None


def beside_store(location: str, name: str) -> Path:
    """A folder or file that belongs with the store: beside the DuckDB file; for a server store in
    `GIVINGDAY_HOME`, else in `data/`."""
    file = db_file(location)
    return (file.parent if file else Path(os.environ.get("GIVINGDAY_HOME") or DATA_DIR)) / name


def write_private_json(path: Path, data: object) -> None:
    """Write a JSON file only this user may read (mode 600), whole or not at all: accounts, tokens, the board's link."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


class PrivateFileError(ValueError):
    """A private JSON file (accounts, tokens) that is there but cannot be used; the message says how to mend it."""


def read_private_json(path: Path, key: str, field: str, what: str, mend: str) -> dict[str, dict]:
    """The entries under `key` of a private JSON file, each a dict with `field`; {} when there is no file yet."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))[key]
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as exc:
        raise PrivateFileError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); {mend}"
        ) from None
    except (OSError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise PrivateFileError(f"{path} cannot be read as the {what} file ({type(exc).__name__}); {mend}") from None
    if not isinstance(entries, dict) or not all(isinstance(e, dict) and field in e for e in entries.values()):
        raise PrivateFileError(f"{path}: every entry needs its {field}; {mend}")
    return entries


def drop_private_entry(read, write, path: Path, name: str) -> bool:
    """Remove the entry `name` from a private file of entries (read and written by its owner's functions);
    False when there was none by that name."""
    entries = read(path)
    if entries.pop(name, None) is None:
        return False
    write(path, entries)
    return True


def inbox_dir(location: str) -> Path:
    return Path(os.environ.get("GIVINGDAY_INBOX") or beside_store(location, "inbox"))


def profiles_dir() -> Path:
    """Where import profiles are read from and the mapping screen saves them: `GIVINGDAY_PROFILES`, else
    `data/profiles/`."""
    return Path(os.environ.get("GIVINGDAY_PROFILES") or PROFILES_DIR)


def share_db_location(location: str) -> None:
    """`serve`: the pages, which run in this process, open the store the server opened."""
    os.environ["GIVINGDAY_DB"] = location


def board_env(db: Path | str, demo: bool) -> dict[str, str]:
    """The environment of a board started as a child process on the store `db`, its inbox beside it."""
    env = {**os.environ, "GIVINGDAY_DB": str(db), "GIVINGDAY_DEMO": "1" if demo else "0"}
    env.pop("GIVINGDAY_INBOX", None)
    return env


def raise_open_files_limit() -> int:
    """Lift the process's soft limit on open files to its hard limit (one socket per wall screen: 10,000 screens
    need more than the usual 1,024); returns the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def salt_override() -> bytes | None:
    """`GIVINGDAY_SALT`, the donor-hash secret for installations that keep secrets elsewhere (else a file)."""
    value = os.environ.get("GIVINGDAY_SALT")
    return value.encode() if value else None


def font_file() -> str | None:
    """`GIVINGDAY_FONT`: the Chinese font the PDF report embeds, when not the system's Noto Sans CJK."""
    return os.environ.get("GIVINGDAY_FONT") or None


def demo_enabled() -> bool:
    """`GIVINGDAY_DEMO=0` keeps the demo giving day off."""
    return os.environ.get("GIVINGDAY_DEMO", "1") != "0"


def log_level() -> str:
    """`GIVINGDAY_LOG_LEVEL`: what the board writes to its output (WARNING unless set)."""
    return os.environ.get("GIVINGDAY_LOG_LEVEL", "WARNING").upper()


def pause_before_commit() -> float | None:
    """`GIVINGDAY_PAUSE_BEFORE_COMMIT`: a test hook, seconds an import waits inside its transaction."""
    value = os.environ.get("GIVINGDAY_PAUSE_BEFORE_COMMIT")
    return float(value) if value else None


@dataclass(frozen=True)
class Matching:
    daily_start: dt.time
    daily_pool_fen: int
    per_donor_daily_cap_fen: int
    share_min: float
    share_max: float

    @property
    def opens_minute(self) -> int:
        """The minute of the day matching opens (600 for 10:00)."""
        return self.daily_start.hour * 60 + self.daily_start.minute


@dataclass(frozen=True)
class ConsoleRules:
    quiet_site_minutes: int = 30
    active_from: dt.time = dt.time(8)
    active_until: dt.time = dt.time(22)
    large_gift_fen: int = 1_000_000
    duplicate_within_seconds: int = 60


@dataclass(frozen=True)
class ForecastRules:
    shape: str = "demo/day_shape.csv"  # under data/
    levels: str = "demo/day_levels.csv"
    large_gift_fen: int = 1_000_000
    on_screens: bool = False  # the public screens show today's band too


@dataclass(frozen=True)
class ApiRules:
    max_body_mb: float = 10
    posts_per_minute: int = 600

    def __post_init__(self) -> None:
        if not (self.max_body_mb > 0 and self.posts_per_minute > 0):
            raise ValueError("[api] max_body_mb and posts_per_minute must be greater than 0")

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 2**20)


@dataclass(frozen=True)
class DriftRules:
    """`[drift]`: when a project's figures differ from the platform's enough to flag, and how long a channel may
    go without a file before the gap is named as a likely cause."""

    threshold_fen: int = 100
    threshold_share: float = 0.0
    threshold_donations: int = 0
    gap_minutes: int = 30

    def __post_init__(self) -> None:
        if self.threshold_fen < 0 or not 0 <= self.threshold_share < 1 or self.threshold_donations < 0:
            raise ValueError("[drift] thresholds must not be negative, and threshold_share must be below 1")
        if self.gap_minutes < 1:
            raise ValueError("[drift] gap_minutes must be at least 1")

    def tolerance_fen(self, theirs_fen: int) -> int:
        """The difference a project may have unflagged: the larger of the fixed and the proportional threshold."""
        return max(self.threshold_fen, int(self.threshold_share * abs(theirs_fen)))


@dataclass(frozen=True)
class Event:
    name: str
    name_en: str
    timezone: str
    first_day: dt.date
    days: int
    goal_fen: int
    giving_url: str
    milestones_fen: tuple[int, ...]
    max_gift_fen: int
    default_channel: str
    matching: Matching
    stale_after_seconds: int
    highlight_gift_fen: int = 100_000
    console: ConsoleRules = ConsoleRules()
    margin_days: int = 1  # gifts are taken this many days before the first day and after the last
    api: ApiRules = ApiRules()
    drift: DriftRules = DriftRules()
    boards: tuple[str, ...] = ()  # `[screen] boards`: the origins a wall screen asks, in order (board_origin)
    forecast: ForecastRules = ForecastRules()
    source: Path | None = field(default=None, compare=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def day_list(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=i) for i in range(self.days)]

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time(0), self.tz)

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(days=self.days)

    @property
    def takes_from(self) -> dt.datetime:
        """The first moment a gift may have: the first day's midnight, `margin_days` earlier."""
        return self.starts_at - dt.timedelta(days=self.margin_days)

    @property
    def takes_until(self) -> dt.datetime:
        """Where the gifts' window ends (exclusive): the midnight after the last day, `margin_days` later."""
        return self.ends_at + dt.timedelta(days=self.margin_days)


def board_origin(text: str) -> str:
    """A board's address as an origin, `http://host:port` (`host:port` alone means http), or ValueError: the wall
    puts it in its page, so nothing but a scheme of http(s), a host and a port gets through."""
    given = text.strip()
    try:
        parts = urlsplit(given if "://" in given else f"http://{given}")
        port = parts.port
    except ValueError:
        parts, port = urlsplit(""), -1
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or not re.fullmatch(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]", host if ":" not in host else f"[{host}]")
        or port == -1
        or parts.username is not None
        or parts.password is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or given.endswith(("?", "#"))
    ):
        raise ValueError(
            f"看板地址 {given!r} 应为 http(s)://主机:端口；a board's address must be http(s)://host:port, not {given!r}"
        )
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port is not None else "")


def _api_rules(path: Path, api: dict) -> ApiRules:
    try:
        return ApiRules(float(api.get("max_body_mb", 10)), int(api.get("posts_per_minute", 600)))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def _drift_rules(path: Path, drift: dict) -> DriftRules:
    try:
        return DriftRules(
            threshold_fen=yuan_to_fen(drift.get("threshold_yuan", 1)),
            threshold_share=float(drift.get("threshold_share", 0.0)),
            threshold_donations=int(drift.get("threshold_donations", 0)),
            gap_minutes=int(drift.get("gap_minutes", 30)),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def _boards(path: Path, listed: object) -> tuple[str, ...]:
    if not isinstance(listed, list) or not all(isinstance(b, str) for b in listed):
        raise ValueError(f'{path}: [screen] boards must be a list of addresses, like ["http://10.0.0.2:8501"]')
    try:
        return tuple(dict.fromkeys(board_origin(b) for b in listed))
    except ValueError as exc:
        raise ValueError(f"{path}: [screen] boards: {exc}") from None


def load_event(path: Path | str | None = None) -> Event:
    path = Path(path or os.environ.get("GIVINGDAY_EVENT") or DEFAULT_EVENT)
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    imp = raw.get("import", {})
    m = raw.get("matching", {})
    screen = raw.get("screen", {})
    cons = raw.get("console", {})
    fc = raw.get("forecast", {})
    active = cons.get("active_hours", ["08:00", "22:00"])
    channel = imp.get("default_channel", "qr")
    if channel not in CHANNELS:
        raise ValueError(f"{path}: default_channel {channel!r} is not one of {', '.join(CHANNELS)}")
    margin = imp.get("margin_days", 1)
    if not isinstance(margin, int) or isinstance(margin, bool) or not 0 <= margin <= MAX_MARGIN_DAYS:
        raise ValueError(
            f"{path}: [import] margin_days {margin!r} 应为 0 到 {MAX_MARGIN_DAYS} 之间的整数天；"
            f"margin_days must be a whole number of days from 0 to {MAX_MARGIN_DAYS}"
        )
    return Event(
        name=raw["name"],
        name_en=raw.get("name_en", raw["name"]),
        timezone=raw.get("timezone", "Asia/Shanghai"),
        first_day=raw["first_day"],
        days=int(raw.get("days", 3)),
        goal_fen=yuan_to_fen(raw["goal_yuan"]),
        giving_url=raw.get("giving_url", ""),
        milestones_fen=tuple(yuan_to_fen(v) for v in raw.get("milestones_yuan", [])),
        max_gift_fen=yuan_to_fen(imp.get("max_gift_yuan", 1_000_000)),
        default_channel=channel,
        matching=Matching(
            daily_start=dt.time.fromisoformat(m.get("daily_start", "10:00")),
            daily_pool_fen=yuan_to_fen(m.get("daily_pool_yuan", 0)),
            per_donor_daily_cap_fen=yuan_to_fen(m.get("per_donor_daily_cap_yuan", 0)),
            share_min=float(m.get("share_min", 0.0)),
            share_max=float(m.get("share_max", 1.0)),
        ),
        stale_after_seconds=int(screen.get("stale_after_seconds", 300)),
        highlight_gift_fen=yuan_to_fen(screen.get("highlight_gift_yuan", 1_000)),
        console=ConsoleRules(
            quiet_site_minutes=int(cons.get("quiet_site_minutes", 30)),
            active_from=dt.time.fromisoformat(active[0]),
            active_until=dt.time.fromisoformat(active[1]),
            large_gift_fen=yuan_to_fen(cons.get("large_gift_yuan", 10_000)),
            duplicate_within_seconds=int(cons.get("duplicate_within_seconds", 60)),
        ),
        margin_days=margin,
        api=_api_rules(path, raw.get("api", {})),
        drift=_drift_rules(path, raw.get("drift", {})),
        boards=_boards(path, screen.get("boards", [])),
        forecast=ForecastRules(
            shape=fc.get("shape", ForecastRules.shape),
            levels=fc.get("levels", ForecastRules.levels),
            large_gift_fen=yuan_to_fen(fc.get("large_gift_yuan", 10_000)),
            on_screens=bool(fc.get("on_screens", False)),
        ),
        source=path,
    )


def trusted_proxies() -> frozenset[str]:
    """Addresses of reverse proxies whose X-Forwarded-For is believed (GIVINGDAY_TRUSTED_PROXIES, comma
    separated); from any other peer the header is ignored, since a client can write it."""
    return frozenset(a.strip() for a in os.environ.get("GIVINGDAY_TRUSTED_PROXIES", "").split(",") if a.strip())


def client_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    """The client's address: the peer's, or, behind trusted proxies, the nearest forwarded hop not a proxy."""
    address = peer or "unknown"
    if address not in trusted or not forwarded_for:
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if hop not in trusted:
            return hop[:64]
    return address
