"""Import profiles: a saved column mapping (a small TOML file in `data/profiles/`) for any other table.

A bank statement, a livestream shop's sales export, a spreadsheet kept by a site: each gets a profile that
says which column is the time, the amount, the reference, the memo, how dates and amounts are written, and
which project and channel the money is credited to. See docs/formats.md, "Import profiles".
"""

from __future__ import annotations

import logging
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from givingday import config
from givingday.ingest import statements
from givingday.labels import both

if TYPE_CHECKING:
    from givingday.ingest.formats import Layout

# The canonical fields: every layout maps its columns onto these names, and a profile may map any of them.
MAPPABLE = (
    "donation_id",
    "occurred_at",
    "date",
    "time_of_day",
    "amount_yuan",
    "matched_yuan",
    "project",
    "team",
    "site",
    "channel",
    "donor_name",
    "donor_id",
    "reference",
    "memo",
    "message",
)
CREDITABLE = ("project", "team", "site", "channel")
# A file without these mapped columns cannot be read with the profile; other mapped columns are optional.
REQUIRED = ("occurred_at", "date", "amount_yuan", "project")
# Columns that identify a donor: masked wherever a row is shown (a profile may name more).
PERSONAL_FIELDS = ("donor_name", "donor_id")
# What a profile may say; any other key is refused, so a misspelt one is not silently ignored.
PROFILE_KEYS = {
    "title",
    "match_headers",
    "columns",
    "parse",
    "credit",
    "personal_columns",
    "identity",
    "file",
    "filters",
    "refunds",
}
PARSE_KEYS = {"date_format", "time_format", "thousands", "decimal"}


log = logging.getLogger(__name__)


class ProfileError(ValueError):
    pass


def header_key(h: str) -> str:
    """How headers are compared everywhere: NFKC (full-width brackets), no BOM, no spaces, any case."""
    return unicodedata.normalize("NFKC", h or "").replace("\ufeff", "").replace(" ", "").lower()


def personal_columns(cols: dict[str, int]) -> set[int]:
    """The column indexes of the personal fields a layout maps."""
    return {cols[f] for f in PERSONAL_FIELDS if f in cols}


@dataclass(frozen=True)
class ValueFormats:
    """How a file writes its dates and amounts (a profile's `[parse]`); the defaults read ISO times and 1,234.56."""

    date_format: str | None = None
    time_format: str | None = None
    thousands: str = ","
    decimal: str = "."


def header_columns(header: list[str]) -> dict[str, list[int]]:
    """Each header key (see `header_key`) and every column that carries it, left to right."""
    index: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        index.setdefault(header_key(h), []).append(i)
    return index


def one_column(header: list[str], field: str, columns: list[int]) -> int:
    """The one column that gives `field`; two (a repeated header, or two names for one field) are refused,
    because which of them holds the gift cannot be known."""
    from givingday.ingest.formats import UnreadableFile

    if len(columns) > 1:
        named = " and ".join(f"column {i + 1} ({header[i]!r})" for i in columns)
        raise UnreadableFile(
            both(
                f"{named} 都对应 {field}：请删除或改名其中一列",
                f"{named} both give {field}: remove or rename one of them",
            )
        )
    return columns[0]


@dataclass
class Profile:
    name: str
    path: Path
    title: str
    columns: dict[str, str]
    match_headers: list[str] = field(default_factory=list)
    formats: ValueFormats = ValueFormats()
    credit: dict[str, str] = field(default_factory=dict)
    personal: list[str] = field(default_factory=list)
    identity: list[str] | None = None  # the columns that identify a row without an id (see ingest/identity.py)
    shape: statements.FileShape | None = None  # [file]: a preamble before the header, a footer after the rows
    filters: tuple[statements.RowFilter, ...] = ()
    refunds: statements.RefundRule | None = None

    def matches(self, header: list[str]) -> bool:
        have = {header_key(h) for h in header}
        return bool(self.match_headers) and all(header_key(h) in have for h in self.match_headers)

    def layout(self, header: list[str]) -> Layout:
        from givingday.ingest.formats import Layout, UnreadableFile

        index = header_columns(header)
        shown = ", ".join(h for h in header[:12] if h)

        def lacking(zh: str, en: str) -> UnreadableFile:
            """A column the profile names that this file does not have, said with the file's own columns."""
            return UnreadableFile(
                both(f"导入配置 {self.name!r} {zh}此文件没有（它的列：{shown}）", f"{en} (its columns: {shown})")
            )

        cols: dict[str, int] = {}
        for f, col in self.columns.items():
            if not col:
                continue
            if header_key(col) not in index:
                if f not in REQUIRED:
                    continue  # an optional column (memo, reference, …) this export leaves out
                raise lacking(
                    f"需要列 {col!r}（{f}），",
                    f"profile {self.name!r} expects a column {col!r} for {f}, which this file does not have",
                )
            cols[f] = one_column(header, f, index[header_key(col)])
        personal = personal_columns(cols)
        personal |= {i for c in self.personal for i in index.get(header_key(c), [])}
        identity = None
        if self.identity is not None:
            missing = [c for c in self.identity if header_key(c) not in index]
            if missing:
                named = ", ".join(repr(c) for c in missing)
                raise lacking(
                    f"的 identity 列 {named} ",
                    f"profile {self.name!r} names {named} in identity, a column this file does not have",
                )
            identity = tuple(one_column(header, f"identity {c!r}", index[header_key(c)]) for c in self.identity)
        for column, reader in statements.statement_columns(self):
            if header_key(column) not in index:
                raise lacking(
                    f"要读的列 {column!r} ",
                    f"profile {self.name!r} reads {column!r} in {reader}, a column this file does not have",
                )
        return Layout(
            name=f"profile:{self.name}",
            columns=cols,
            id_namespace=f"profile:{self.name}",
            formats=self.formats,
            defaults={k: v for k, v in self.credit.items() if v},
            personal_columns=personal,
            profile=self,
            identity=identity,
        )


def profile_toml(path: Path) -> dict:
    """A profile file's TOML (an import profile's, or a totals profile's); ProfileError says why it cannot be read."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from None


def load_profile(path: Path) -> Profile:
    return parse_profile(profile_toml(path), path)


def parse_profile(raw: dict, path: Path) -> Profile:
    """A profile from its TOML as a dict (a file's, or one being made before it is saved as `path`); ProfileError
    says what is wrong, prefixed by `path`."""
    unknown = set(raw) - PROFILE_KEYS
    if unknown:
        raise ProfileError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))} (a profile may have {', '.join(sorted(PROFILE_KEYS))})"
        )
    columns = raw.get("columns", {})
    unknown = set(columns) - set(MAPPABLE)
    if unknown:
        raise ProfileError(f"{path}: unknown field(s) in [columns]: {', '.join(sorted(unknown))}")
    if "amount_yuan" not in columns:
        raise ProfileError(f"{path}: [columns] must name the amount_yuan column")
    if "occurred_at" not in columns and "date" not in columns:
        raise ProfileError(f"{path}: [columns] must name occurred_at, or date (and optionally time_of_day)")
    credit = {k: str(v) for k, v in raw.get("credit", {}).items()}
    if set(credit) - set(CREDITABLE):
        raise ProfileError(f"{path}: [credit] may set only {', '.join(CREDITABLE)}")
    if "project" not in columns and not credit.get("project"):
        raise ProfileError(f"{path}: name a project column or set [credit] project")
    identity = raw.get("identity")
    if identity is not None and (
        not isinstance(identity, list) or not identity or not all(isinstance(c, str) and c for c in identity)
    ):
        raise ProfileError(f'{path}: identity must be a list of column names, e.g. identity = ["Date", "Amount"]')
    parse = raw.get("parse", {})
    if set(parse) - PARSE_KEYS:
        raise ProfileError(f"{path}: [parse] may set only {', '.join(sorted(PARSE_KEYS))}")
    try:
        shape = statements.file_shape(raw.get("file"))
        filters = statements.row_filters(raw.get("filters"))
        refunds = statements.refund_rule(raw.get("refunds"))
    except statements.StatementError as exc:
        raise ProfileError(f"{path}: {exc}") from None
    if shape is not None and not raw.get("match_headers"):
        raise ProfileError(f"{path}: a profile with [file] needs match_headers: the columns its header row is found by")
    return Profile(
        name=path.stem,
        path=path,
        title=raw.get("title", path.stem),
        columns={k: str(v) for k, v in columns.items()},
        match_headers=list(raw.get("match_headers", [])),
        formats=ValueFormats(
            date_format=parse.get("date_format"),
            time_format=parse.get("time_format"),
            thousands=parse.get("thousands", ","),
            decimal=parse.get("decimal", "."),
        ),
        credit=credit,
        personal=list(raw.get("personal_columns", [])),
        identity=identity,
        shape=shape,
        filters=filters,
        refunds=refunds,
    )


# The profiles last read from each folder, the names, times and sizes of their files then, and the files that
# could not be read: every import asks for them (a bill is found by its header), and reading them again each time
# would cost more than a small import.
_read: dict[Path, tuple[tuple, list[Profile], list[str]]] = {}


def load_profiles(folder: Path | None = None) -> list[Profile]:
    """Every readable profile in the folder (default data/profiles/), read again only when a file there changed.

    A profile that cannot be read is left out, not fatal: one half-edited file must not stop every import of an
    unattended board. `unreadable_profiles` says which, and why."""
    folder = folder or config.profiles_dir()
    if not folder.exists():
        return []
    paths = sorted(folder.glob("*.toml"))
    try:
        stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    except OSError:  # a file removed meanwhile: read what is there now
        stamp = None
    known = _read.get(folder)
    if stamp is not None and known is not None and known[0] == stamp:
        return list(known[1])
    profiles, broken = [], []
    for path in paths:
        try:
            profiles.append(load_profile(path))
        except (ProfileError, OSError) as exc:
            broken.append(str(exc))
            log.warning("import profile left out: %s", exc)
    _read[folder] = (stamp, profiles, broken)
    return list(profiles)


def unreadable_profiles(folder: Path | None = None) -> list[str]:
    """Why each profile file the last `load_profiles` of the folder left out could not be read."""
    known = _read.get(folder or config.profiles_dir())
    return list(known[2]) if known else []


def find_profile(name_or_path: str, folder: Path | None = None) -> Profile:
    """`--profile NAME` (a file in data/profiles/) or `--profile PATH`."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return load_profile(path)
    candidate = (folder or config.profiles_dir()) / f"{name_or_path}.toml"
    if candidate.exists():
        return load_profile(candidate)
    known = ", ".join(p.name for p in load_profiles(folder)) or "none"
    raise ProfileError(f"no import profile {name_or_path!r} (known: {known})")
