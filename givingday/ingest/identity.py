"""How a row without an id is known: by what it means, not by how it is written.

A bank statement has no id per transfer, so such a row gets `row:HASH:N`: a hash of its meaning (the parsed
time, the amount in fen, the normalised reference, memo and counterpart, and the project, team, site and channel
it is credited to), and N, the row's place among the rows of the same file that mean the same. A re-saved,
re-exported, renumbered or split statement gives every row the id it had; two identical transfers in one
statement stay two gifts. A profile may name the columns that identify its rows instead (`identity = [...]`).

Stores imported before this kept ids made from every cell as written (`legacy_ids`); a row whose earlier id is
stored is the same gift, so a file imported then is not counted again. See docs/formats.md, "Stable ids".
"""

from __future__ import annotations

import hashlib
import unicodedata

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from givingday.ingest.formats import Layout, Table
from givingday.ingest.profiles import header_key
from givingday.store import bulk

PREFIX = "row"
# What a row means when its profile does not say: the parts hashed, in this order. `at` is the UTC instant in
# microseconds, `fen` the amount; donor_id and donor_name are the counterpart; the rest are the credited fields.
MEANING = ("at", "fen", "reference", "memo", "donor_id", "donor_name", "project", "team", "site", "channel")
# A mapped column named in a profile's `identity` stands for its parsed value; any other field for its text.
_PART_OF_FIELD = {
    "occurred_at": "at",
    "date": "at",
    "time_of_day": "at",
    "amount_yuan": "fen",
    "matched_yuan": "matched_fen",
}


def normal_text(s: str) -> str:
    """Text as it compares: NFKC (full-width letters and digits), case-folded, every run of spaces one space."""
    return " ".join(unicodedata.normalize("NFKC", s).casefold().split())


def normalised(arr: pa.Array) -> pa.Array:
    """`normal_text` of every value, computed once per distinct value."""
    enc = arr.dictionary_encode()
    return pa.array([normal_text(v or "") for v in enc.dictionary.to_pylist()], pa.string()).take(enc.indices)


def parts(layout: Layout, header: list[str]) -> list[tuple[str, str | int]]:
    """The parts that make a row's meaning, each as (name, what gives it): a field's name, or for a column no
    field maps (which only a profile's `identity` names), that column's index. A profile's parts are in the
    order of their names, so listing the same columns in another order keeps every id."""
    if layout.identity is None:
        return [(p, p) for p in MEANING]
    fields_of: dict[int, list[str]] = {}
    for f, col in layout.columns.items():
        fields_of.setdefault(col, []).append(f)
    named: dict[str, str | int] = {}
    for col in layout.identity:
        for f in fields_of.get(col, []):
            part = _PART_OF_FIELD.get(f, f)
            named.setdefault(part, part)
        if col not in fields_of:
            named.setdefault(f"column:{header_key(header[col])}", col)
    return sorted(named.items())


def derived_ids(meaning: list[tuple[str, pa.Array]], candidates: pa.Array) -> pa.Array:
    """`row:HASH:N` for each candidate row (null elsewhere): N counts the rows of this file with the same meaning,
    in file order, so identical transfers in one file stay apart and the same file again gives the same ids."""
    cells = [
        pc.binary_join_element_wise(f"{name}=", pc.cast(arr, pa.string()).fill_null(""), "") for name, arr in meaning
    ]
    keys = pc.binary_join_element_wise(*cells, "\x1f") if len(cells) > 1 else cells[0]
    out: list[str | None] = []
    seen: dict[str, int] = {}
    for key, wanted in zip(keys.to_pylist(), candidates.to_pylist(), strict=True):
        if not wanted:
            out.append(None)
            continue
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        seen[digest] = seen.get(digest, 0) + 1
        out.append(f"{PREFIX}:{digest}:{seen[digest]}")
    return pa.array(out, pa.string())


def legacy_ids(table: Table, layout: Layout, missing: pa.Array) -> pa.Array:
    """The ids rows without one were given before: a hash of every cell as written, numbered among identical
    rows of the file (rejected rows included, as then). Null where the row has an id of its own."""
    columns = [c.to_pylist() for c in table.columns]
    out: list[str | None] = []
    seen: dict[str, int] = {}
    for i, wanted in enumerate(missing.to_pylist()):
        if not wanted:
            out.append(None)
            continue
        cells = table.raw_cells[i] if i in table.raw_cells else [c[i] for c in columns]
        digest = hashlib.sha1("\x1f".join(cells).encode()).hexdigest()[:20]
        seen[digest] = seen.get(digest, 0) + 1
        out.append(f"{layout.id_namespace}:{digest}:{seen[digest]}")
    return pa.array(out, pa.string())


def stored(conn: sa.Connection, ids: pa.Array) -> pa.Array:
    """Which of `ids` the store already holds (a boolean per id; false for null)."""
    return bulk.is_in_store(conn, "donations", "donation_id", ids)
