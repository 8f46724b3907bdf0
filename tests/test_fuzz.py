"""Property-based tests (Hypothesis) over the amount parser, the file readers and the judge: generated files
with every encoding, separator, digit form, date form, padding and control character a channel may send,
and after each import the store's invariants: the ledger equals the rollups, every stored amount is what its
row says, a re-import adds nothing, and a refused file stores nothing.

`make fuzz` runs the same properties with many more examples (FUZZ_EXAMPLES)."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from givingday.ingest.batch import import_bytes
from givingday.ingest.roster import load_roster
from givingday.money import AmountError, parse_fen
from givingday.store.database import Store
from tests.conftest import FIXTURES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("FUZZ_RANDOM") is None,  # CI: the same examples every run
)
PROJECTS = ("P001", "P002", "P089", "二七商圈青春志愿行")
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


# ---------------------------------------------------------------------------------------------- amounts


def written_amount(fen: int, grouped: bool, decimals: int, full_width: bool, symbol: str) -> str:
    """How a channel may write an exact amount: grouped in threes or not, 0–2 decimals (or padded), ¥ or not."""
    yuan, cents = divmod(fen, 100)
    whole = f"{yuan:,}" if grouped else str(yuan)
    if decimals == 0 and cents == 0:
        text = whole
    elif decimals == 1 and cents % 10 == 0:
        text = f"{whole}.{cents // 10}"
    else:
        text = f"{whole}.{cents:02d}" + ("0" if decimals == 3 else "")
    if full_width:
        text = text.translate(FULL_WIDTH)
    return symbol + text


@FUZZ
@given(
    fen=st.integers(1, 10**12),
    grouped=st.booleans(),
    decimals=st.integers(0, 3),
    full_width=st.booleans(),
    symbol=st.sampled_from(["", "¥", "￥", "RMB "]),
)
def test_an_amount_is_read_as_written(fen, grouped, decimals, full_width, symbol):
    assert parse_fen(written_amount(fen, grouped, decimals, full_width, symbol)) == fen


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_any_text_is_an_exact_amount_or_a_reason(text):
    try:
        fen = parse_fen(text)
    except AmountError as exc:
        assert str(exc)
        return
    assert fen >= 0
    # What was accepted holds no digit of another script, and its ASCII digits say the same amount.
    ascii_text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    assert not any(c.isdigit() and c not in "0123456789" for c in ascii_text), text
    digits = re.sub(r"[^0-9.]", "", ascii_text.replace("．", "."))
    whole, _, frac = digits.partition(".")
    assert fen == int(whole or "0") * 100 + int((frac + "00")[:2]), text


# ---------------------------------------------------------------------------------------------- files

gift = st.fixed_dictionaries(
    {
        "fen": st.integers(1, 10**8),
        "minute": st.integers(0, 3 * 24 * 60 - 1),
        "project": st.sampled_from(PROJECTS),
        "channel": st.sampled_from(["qr", "offline", "bank", "", "扫码"]),
        "name": st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
        "grouped": st.booleans(),
        "decimals": st.integers(0, 3),
        "full_width": st.booleans(),
        "symbol": st.sampled_from(["", "¥"]),
    }
)


def _cell(value: str, delimiter: str) -> str:
    if any(c in value for c in (delimiter, '"', "\n", "\r")) or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def render_csv(gifts: list[dict], delimiter: str, newline: str, pad: bool, time_form: int) -> str:
    lines = [delimiter.join(["donation_id", "occurred_at", "amount_yuan", "project", "channel", "donor_name"])]
    start = dt.datetime(2020, 9, 7)
    for i, g in enumerate(gifts):
        at = start + dt.timedelta(minutes=g["minute"])
        when = [f"{at:%Y-%m-%d %H:%M:%S}", f"{at:%Y/%m/%d %H:%M}", f"{at:%Y-%m-%dT%H:%M:%S}+08:00"][time_form]
        amount = written_amount(g["fen"], g["grouped"], g["decimals"], g["full_width"], g["symbol"])
        cells = [f"F{i}", when, amount, g["project"], g["channel"], g["name"]]
        if pad:
            cells = [f" {c} " for c in cells]
        lines.append(delimiter.join(_cell(c, delimiter) for c in cells))
    return newline.join(lines) + newline


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory):
    s = Store(str(tmp_path_factory.mktemp("fuzz") / "store" / "f.duckdb"))
    s.migrate()
    load_roster(s, FIXTURES / "roster")
    yield s
    s.dispose()


def _empty(store: Store) -> None:
    with store.engine.begin() as c:
        for table in ("adjustments", "donations", "rejected_rows", "rollup_totals", "rollup_minutes", "imports"):
            c.exec_driver_sql(f"delete from {table}")


def _state(store: Store) -> dict:
    with store.engine.connect() as c:
        q = c.exec_driver_sql
        return {
            "ledger": tuple(
                q("select coalesce(sum(amount_fen), 0), coalesce(sum(donation_count), 0) from ledger").one()
            ),
            "rollup": tuple(
                q(
                    "select coalesce(sum(amount_fen), 0), coalesce(sum(donations), 0) from rollup_totals where dim = 'all'"
                ).one()
            ),
            "minutes": tuple(
                q("select coalesce(sum(amount_fen), 0), coalesce(sum(donations), 0) from rollup_minutes").one()
            ),
            "by_project": tuple(
                q(
                    "select l.project_id, sum(l.amount_fen) = max(r.amount_fen) from ledger l join rollup_totals r"
                    " on r.dim = 'project' and r.key = l.project_id group by l.project_id order by 1"
                ).all()
            ),
            "rows": q("select count(*) from donations").scalar(),
            "rejected": q("select count(*) from rejected_rows").scalar(),
        }


def _assert_consistent(state: dict) -> None:
    assert state["ledger"] == state["rollup"] == state["minutes"], state
    assert all(ok for _, ok in state["by_project"]), state["by_project"]


@FUZZ
@given(
    gifts=st.lists(gift, min_size=1, max_size=25),
    delimiter=st.sampled_from([",", "\t", ";"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
    pad=st.booleans(),
    time_form=st.integers(0, 2),
)
def test_a_generated_export_is_stored_exactly_once(fuzz_store, gifts, delimiter, newline, encoding, pad, time_form):
    _empty(fuzz_store)
    text = render_csv(gifts, delimiter, newline, pad, time_form)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return  # a name GB18030 cannot write: no channel would send it so
    report = import_bytes(fuzz_store, data, "fuzz.csv")
    assert report.outcome == "committed", report.message
    after = _state(fuzz_store)
    _assert_consistent(after)
    assert report.rows_rejected == 0, [r.__dict__ for r in report.rejections]
    with fuzz_store.engine.connect() as c:
        stored = dict(c.exec_driver_sql("select donation_id, amount_fen from donations").all())
    assert stored == {f"F{i}": g["fen"] for i, g in enumerate(gifts)}
    again = import_bytes(fuzz_store, data, "fuzz-again.csv")
    assert again.rows_new == 0 and _state(fuzz_store)["ledger"] == after["ledger"]


@FUZZ
@given(
    gifts=st.lists(gift, min_size=1, max_size=10),
    cuts=st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=6)), min_size=1, max_size=4),
)
def test_a_damaged_export_is_refused_whole_or_judged_row_by_row(fuzz_store, gifts, cuts):
    _empty(fuzz_store)
    data = bytearray(render_csv(gifts, ",", "\n", False, 0).encode("utf-8"))
    for at, junk in cuts:
        at %= len(data) + 1
        data[at : at + len(junk)] = junk
    report = import_bytes(fuzz_store, bytes(data), "damaged.csv")
    state = _state(fuzz_store)
    _assert_consistent(state)
    if report.outcome != "committed":
        assert report.message and state["rows"] == 0 and state["rejected"] == 0
        return
    assert state["rows"] == report.rows_new and state["rejected"] == report.rows_rejected
    assert all(r.reason and r.line >= 1 for r in report.rejections)
    with fuzz_store.engine.connect() as c:
        stored = c.exec_driver_sql("select amount_fen from donations").scalars().all()
    assert all(0 < fen <= fuzz_store.event.max_gift_fen for fen in stored)
    again = import_bytes(fuzz_store, bytes(data), "damaged-again.csv")
    assert again.rows_new == 0


@FUZZ
@given(data=st.binary(max_size=2_000))
def test_any_bytes_are_refused_with_a_reason_or_judged(fuzz_store, data):
    _empty(fuzz_store)
    report = import_bytes(fuzz_store, data, "bytes.bin")
    state = _state(fuzz_store)
    _assert_consistent(state)
    if report.outcome != "committed":
        assert report.message and state["rows"] == 0
