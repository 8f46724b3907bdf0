"""Drift against the platform's official totals: a copy of the official figures made from a small store's ledger,
with differences planted, is read in every encoding the platform writes, compared as of its time to the fen,
flagged, and given the cause the board can see; a bad file is refused with its file, line and reason, and
nothing is kept from it."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from zoneinfo import ZoneInfo

import pytest

from givingday import clock, config
from givingday.drift import compare, kept, official
from givingday.drift.official import TotalsFileError
from givingday.ingest.batch import import_bytes
from givingday.money import format_yuan
from givingday.report.scope import parse_as_of
from givingday.store.database import Store
from tests.conftest import CANONICAL_HEADER, english, run_cli

ZONE = ZoneInfo("Asia/Shanghai")
HEADER = "项目名称,已筹金额(元),捐款人次,统计时间\n"
AT_NOON = "2020-09-07 12:00:00"


def at(hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2020, 9, 7, hour, minute, second, tzinfo=ZONE)


def gift_lines(rng: random.Random, start: dt.datetime, minutes: int, prefix: str, n: int) -> list[str]:
    """`n` gifts to three projects over `minutes` from `start`, by QR code, seeded."""
    lines = []
    for i in range(n):
        when = start + dt.timedelta(seconds=rng.randrange(minutes * 60))
        project = rng.choice(["P001", "P002", "P089"])
        lines.append(
            f"{prefix}{i},{when:%Y-%m-%d %H:%M:%S},{rng.randrange(1, 500)}.{rng.randrange(100):02d},0,"
            f"{project},,,qr,捐赠人{prefix}{i}\n"
        )
    return lines


def import_gifts(store, name: str, lines: list[str]) -> None:
    report = import_bytes(store, (CANONICAL_HEADER + "".join(lines)).encode(), name)
    assert report.outcome == "committed" and report.rows_rejected == 0, report.summary()


@pytest.fixture
def ledger(store):
    """A morning of gifts in two files, 10:00–11:00 and 11:00–12:30 (some after noon)."""
    rng = random.Random(42)
    import_gifts(store, "morning-a.csv", gift_lines(rng, at(10, 0), 60, "A", 40))
    import_gifts(store, "morning-b.csv", gift_lines(rng, at(11, 0), 90, "B", 60))
    return store


def ours_as_of(store, when: str) -> dict[str, tuple[int, int]]:
    until = parse_as_of(when, store.event)
    return {
        r["key"]: (int(r["amount_fen"]) + int(r["matched_fen"]), int(r["donations"]))
        for r in store.query("totals_by_project", since=None, until=until)
    }


def official_copy(store, when: str = AT_NOON, plant: dict | None = None) -> str:
    """The platform's download as it would be if it agreed with our ledger as of `when`, by project name, with
    `plant` {project_id: (fen added, 人次 added)}."""
    names = {p["project_id"]: p["name"] for p in store.roster()["projects"]}
    lines = [HEADER]
    for pid, (fen, n) in sorted(ours_as_of(store, when).items()):
        add_fen, add_n = (plant or {}).get(pid, (0, 0))
        lines.append(f'{names[pid]},"{format_yuan(fen + add_fen, "")}",{n + add_n},{when}\n')
    return "".join(lines)


def drift_of(store, text: str | bytes, name: str = "official.csv", **kw) -> list[compare.Drift]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    rows = official.read_official(data, name, store.roster()["projects"], store.event, **kw)
    return compare.compare(store, store.event, rows)


def checks(store) -> int:
    return store.scalar("select count(*) from drift_checks") + store.scalar("select count(*) from drift_rows")


def test_a_copy_of_our_own_ledger_agrees_to_the_fen(ledger):
    drifts = drift_of(ledger, official_copy(ledger))
    ours = ours_as_of(ledger, AT_NOON)
    assert {d.project_id: (d.ours_fen, d.ours_donations) for d in drifts} == ours
    assert [d for d in drifts if d.flagged or d.diff_fen or d.diff_donations] == []
    # the gifts after noon are not counted: the comparison is as of the platform's time
    assert sum(f for f, _ in ours.values()) < ledger.query("totals_overall")[0]["total_fen"]


def test_the_planted_differences_are_found_exactly_and_flagged_first(ledger):
    planted = official_copy(ledger, plant={"P001": (12_345, 0), "P002": (0, -1)})
    drifts = drift_of(ledger, planted)
    ours = ours_as_of(ledger, AT_NOON)
    assert [(d.project_id, d.diff_fen, d.diff_donations, d.flagged) for d in drifts] == [
        ("P001", -12_345, 0, True),
        ("P002", 0, 1, True),
        ("P000", 0, 0, False),
        ("P089", 0, 0, False),
    ]
    assert (drifts[0].ours_fen, drifts[0].theirs_fen) == (ours["P001"][0], ours["P001"][0] + 12_345)
    assert (drifts[1].ours_donations, drifts[1].theirs_donations) == (ours["P002"][1], ours["P002"][1] - 1)
    # nothing the board can see explains either: no later gifts add up to ¥123.45, no file is missing
    assert [(d.cause, english(d.cause_text)) for d in drifts[:2]] == [
        (None, "no cause the board can see: check the project's gifts")
    ] * 2


def test_the_threshold_lets_a_small_difference_pass_unflagged(ledger):
    drifts = drift_of(ledger, official_copy(ledger, plant={"P001": (100, 0), "P089": (101, 0)}))
    assert [(d.project_id, d.diff_fen, d.flagged) for d in drifts[:2]] == [("P089", -101, True), ("P001", -100, False)]


def test_gifts_just_after_the_official_time_are_named_when_they_make_the_difference(ledger):
    after = ledger.query(
        "drift_gifts_after", project_id="P089", since=parse_as_of("2020-09-07 11:30", ledger.event), limit_n=2
    )
    extra = sum(int(g["total_fen"]) for g in after)
    drifts = drift_of(ledger, official_copy(ledger, "2020-09-07 11:30", plant={"P089": (extra, 2)}))
    assert (drifts[0].project_id, drifts[0].diff_fen, drifts[0].diff_donations) == ("P089", -extra, -2)
    assert drifts[0].cause == "after_as_of"
    first = after[0]["occurred_at"].astimezone(ZONE)
    assert english(drifts[0].cause_text) == (
        f"the platform counted gifts after its time: our 2 gift(s) from {first:%m-%d %H:%M:%S} add up to exactly "
        f"{format_yuan(extra)}, the difference"
    )


def test_an_export_window_with_no_file_is_named(store):
    rng = random.Random(7)
    import_gifts(store, "qr-10.csv", gift_lines(rng, at(10, 0), 60, "A", 30))
    import_gifts(store, "qr-1145.csv", gift_lines(rng, at(11, 45), 15, "C", 10))
    drifts = drift_of(store, official_copy(store, plant={"P002": (88_800, 3)}))
    assert (drifts[0].project_id, drifts[0].diff_fen, drifts[0].cause) == ("P002", -88_800, "missing_file")
    files = store.query("drift_channel_files", project_id="P002", since=at(0, 0), until=at(12, 0, 1))
    gap_from, gap_to = files[0]["last_gift_at"].astimezone(ZONE), files[1]["first_gift_at"].astimezone(ZONE)
    assert gap_to - gap_from > dt.timedelta(minutes=30)
    assert english(drifts[0].cause_text) == (
        f"no file brought qr gifts between {gap_from:%m-%d %H:%M:%S} and {gap_to:%m-%d %H:%M:%S}:"
        " an export window with no file?"
    )


def test_ours_higher_by_one_gift_points_at_a_refund_not_imported(ledger):
    gift = ledger.query_rows(
        "select donation_id, amount_fen from donations where project_id = 'P002' and occurred_at < :t"
        " order by occurred_at limit 1",
        t=at(12, 0),
    )[0]
    drifts = drift_of(ledger, official_copy(ledger, plant={"P002": (-gift["amount_fen"], -1)}))
    assert (drifts[0].project_id, drifts[0].diff_fen, drifts[0].cause) == ("P002", gift["amount_fen"], "refund")
    assert f"gift {gift['donation_id']} (" in english(drifts[0].cause_text)


def test_ours_higher_by_a_look_alike_gift_points_at_the_duplicate(ledger):
    import_gifts(
        ledger,
        "twice.csv",
        [
            "X1,2020-09-07 10:30:00,777.77,0,P089,,,qr,重复人\n",
            "X2,2020-09-07 10:30:20,777.77,0,P089,,,qr,重复人\n",
        ],
    )
    drifts = drift_of(ledger, official_copy(ledger, plant={"P089": (-77_777, -1)}))
    assert (drifts[0].project_id, drifts[0].diff_fen, drifts[0].cause) == ("P089", 77_777, "duplicate")
    assert english(drifts[0].cause_text) == (
        "possible duplicate: gift X2 and X1, the same donor and amount ¥777.77, the difference, 20 s apart"
    )


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_gbk_and_bom_files_read_the_same(ledger, encoding):
    text = official_copy(ledger, plant={"P001": (12_345, 0)})
    drifts = drift_of(ledger, text.encode(encoding))
    assert [(d.project_id, d.diff_fen) for d in drifts if d.flagged] == [("P001", -12_345)]


def test_an_xlsx_download_with_as_of_for_the_whole_file_reads_the_same(ledger):
    import xlsxwriter

    names = {p["project_id"]: p["name"] for p in ledger.roster()["projects"]}
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["项目编号", "已筹金额（元）", "捐款人次"])
    for i, (pid, (fen, n)) in enumerate(sorted(ours_as_of(ledger, AT_NOON).items()), start=1):
        ws.write_row(i, 0, [pid, (fen + (12_345 if pid == "P001" else 0)) / 100, n])
    wb.close()
    until = parse_as_of("2020-09-07 12:00", ledger.event)
    drifts = drift_of(ledger, buf.getvalue(), "official.xlsx", until=until)
    assert [(d.project_id, d.diff_fen, d.flagged) for d in drifts][:2] == [("P001", -12_345, True), ("P000", 0, False)]
    assert names["P001"] == drifts[0].project_name


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        (HEADER + "不存在的项目,1.00,1,2020-09-07 12:00\n", "official.csv:2", "unknown project '不存在的项目'"),
        (
            HEADER + "P001,一百,1,2020-09-07 12:00\n",
            "official.csv:2",
            "已筹金额 (amount raised): amount '一百' is not a number",
        ),
        (HEADER + "P001,1.00,一,2020-09-07 12:00\n", "official.csv:2", "捐款人次 '一' is not a whole number"),
        (
            HEADER + "P001,-10.00,1,2020-09-07 12:00\n",
            "official.csv:2",
            "已筹金额 (amount raised): amount '-10.00' is negative",
        ),
        (HEADER + "P001,1.00,-1,2020-09-07 12:00\n", "official.csv:2", "捐款人次 '-1' is not a whole number"),
        (
            HEADER + "=cmd|' /C calc'!A0,1.00,1,2020-09-07 12:00\n",
            "official.csv:2",
            "unknown project \"=cmd|' /C calc'!A0\"",
        ),
        (
            HEADER + "<script>alert(1)</script>,1,1,2020-09-07 12:00\n",
            "official.csv:2",
            "unknown project '<script>alert(1)</script>'",
        ),
        (HEADER + "P001,1.00,1,明天\n", "official.csv:2", "统计时间 '明天' is not a date and time (2020-09-07 21:00)"),
        (
            HEADER + "P001,1.00,1,2020-09-07 12:00\nP001,2.00,2,2020-09-07 12:00\n",
            "official.csv:3",
            "project 'P001' is already on line 2",
        ),
        (
            "项目名称,捐款人次\nP001,1\n",
            "official.csv",
            "missing column 已筹金额(元): expected 项目名称 (or a project id), 已筹金额(元) and 捐款人次 (and 统计时间,"
            " or the whole file's time: the page's “统计时间 As of” box, the command line's --as-of); its columns are"
            " 项目名称, 捐款人次",
        ),
        (
            "项目名称,已筹金额(元),捐款人次\nP001,1.00,1\n",
            "official.csv",
            "no 统计时间 column: give the whole file's time (the page's “统计时间 As of” box, the command line's"
            " --as-of)",
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_line_and_reason_and_nothing_is_kept(
    ledger, db_path, tmp_path, text, where, reason
):
    path = tmp_path / "official.csv"
    path.write_text(text + "P089,1.00,1,2020-09-07 12:00\n", encoding="utf-8")  # a good line does not save it
    ledger.dispose()
    ran = run_cli("drift", str(path), db=db_path)
    assert ran.returncode == 2
    first, line = ran.stderr.splitlines()
    assert first == "official.csv: not compared (nothing kept):"
    assert line.startswith(f"{where}: ") and english(line) == reason
    assert line.index("。") > len(where) + 3  # Chinese first, English beside
    assert checks(Store(str(db_path))) == 0


def test_a_file_in_neither_utf8_nor_gbk_is_refused(ledger):
    with pytest.raises(TotalsFileError) as exc:
        drift_of(ledger, HEADER.encode() + b"\xff\xfe\xff,1,1,2020-09-07 12:00\n")
    assert str(exc.value).startswith("official.csv: 文本既不是 UTF-8 也不是 GBK/GB18030")
    assert "text is neither UTF-8 nor GBK/GB18030" in str(exc.value)


def test_the_command_prints_json_rows_flagged_first_exits_1_and_keeps_the_comparison(ledger, db_path, tmp_path):
    planted = tmp_path / "official.csv"
    planted.write_text(official_copy(ledger, plant={"P001": (12_345, 0), "P002": (0, -1)}), encoding="utf-8")
    agreeing = tmp_path / "agreeing.csv"
    agreeing.write_text(official_copy(ledger), encoding="utf-8")
    ours = ours_as_of(ledger, AT_NOON)
    ledger.dispose()
    ran = run_cli("drift", str(planted), "--json", db=db_path)
    assert ran.returncode == 1, ran.stderr
    rows = json.loads(ran.stdout)
    assert [list(r) for r in rows[:1]] == [
        [
            "project",
            "project_name",
            "as_of",
            "ours_fen",
            "theirs_fen",
            "diff_fen",
            "ours_donations",
            "theirs_donations",
            "diff_donations",
            "flagged",
            "cause",
            "cause_text",
        ]
    ]
    assert [(r["project"], r["ours_fen"], r["theirs_fen"], r["diff_fen"], r["flagged"]) for r in rows] == [
        ("P001", ours["P001"][0], ours["P001"][0] + 12_345, -12_345, True),
        ("P002", ours["P002"][0], ours["P002"][0], 0, True),
        ("P000", 0, 0, 0, False),
        ("P089", ours["P089"][0], ours["P089"][0], 0, False),
    ]
    assert rows[0]["as_of"] == "2020-09-07T12:00:00+08:00"  # the time the file says, to the second
    text = run_cli("drift", str(agreeing), db=db_path)
    assert text.returncode == 0
    assert text.stdout.splitlines()[0] == "agreeing.csv as of 9月7日12时00分: 4 projects, 0 flagged (check #2)"
    store = Store(str(db_path))
    first, second = kept.recent_checks(store)[::-1]
    assert (first.file_name, first.projects, first.flagged, first.checked_by) == ("official.csv", 4, 2, "command line")
    assert [
        (d.project_id, d.diff_fen, d.diff_donations, d.flagged) for d in kept.check_rows(store, first.check_id)
    ] == [(r["project"], r["diff_fen"], r["diff_donations"], r["flagged"]) for r in rows]
    assert (second.file_name, second.flagged) == ("agreeing.csv", 0)
    store.dispose()


def test_a_totals_profile_reads_another_layout(ledger, tmp_path, monkeypatch):
    folder = tmp_path / "profiles" / "totals"
    folder.mkdir(parents=True)
    (folder / "county_sheet.toml").write_text(
        'title = "县里的统计表"\nmatch_headers = ["项目", "筹款额", "笔数"]\n'
        '[columns]\nproject = "项目"\nraised_yuan = "筹款额"\ndonations = "笔数"\nas_of = "截至"\n'
        '[parse]\nthousands = "."\ndecimal = ","\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("GIVINGDAY_PROFILES", str(tmp_path / "profiles"))
    fen, n = ours_as_of(ledger, AT_NOON)["P089"]
    yuan = f"{fen // 100:,}".replace(",", ".") + f",{fen % 100:02d}"
    text = f"截至;项目;筹款额;笔数\n{AT_NOON};P089;{yuan};{n + 1}\n"
    drifts = drift_of(ledger, text)
    assert [(d.project_id, d.ours_fen, d.theirs_fen, d.diff_donations, d.flagged) for d in drifts] == [
        ("P089", fen, fen, -1, True)
    ]
    named = official.read_official(
        text.encode(),
        "x.csv",
        ledger.roster()["projects"],
        ledger.event,
        profile=official.find_totals_profile("county_sheet"),
    )
    assert [(r.project_id, r.theirs_fen) for r in named] == [("P089", fen)]


def test_the_board_is_asked_with_the_file_made_absolute(tmp_path, monkeypatch):
    from givingday import board_link

    monkeypatch.chdir(tmp_path)
    argv = ["--db", "g.duckdb", "drift", "official.csv", "--json"]
    assert board_link.absolute_paths(argv, tmp_path, "official.csv") == [
        "--db",
        "g.duckdb",
        "drift",
        str(tmp_path / "official.csv"),
        "--json",
    ]


def test_an_unknown_totals_profile_is_an_error_and_nothing_is_kept(ledger, db_path, tmp_path):
    path = tmp_path / "official.csv"
    path.write_text(official_copy(ledger), encoding="utf-8")
    ledger.dispose()
    ran = run_cli("drift", str(path), "--profile", "nope", db=db_path)
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr.startswith("error: no totals profile 'nope' (known: ")
    assert checks(Store(str(db_path))) == 0


@pytest.mark.postgres
def test_a_comparison_is_kept_and_read_back_on_postgresql(pg_store):
    text = HEADER + "二七商圈青春志愿行,12.34,2,2020-09-07 12:00\n"
    check_id, drifts = kept.check_and_keep(pg_store, pg_store.event, text.encode(), "official.csv", "test")
    assert [(d.project_id, d.diff_fen, d.diff_donations, d.flagged, d.cause) for d in drifts] == [
        ("P001", -1_234, -2, True, None)
    ]
    assert kept.check_rows(pg_store, check_id) == drifts
    assert [(c.check_id, c.projects, c.flagged) for c in kept.recent_checks(pg_store)] == [(check_id, 1, 1)]


def test_a_download_with_title_lines_above_its_header_is_read_from_its_header(ledger):
    title = "99公益日项目筹款汇总\n导出时间：2020-09-07 12:05,,,\n"
    text = title + official_copy(ledger, plant={"P001": (12_345, 0)})
    drifts = drift_of(ledger, text.encode("gbk"))
    assert [(d.project_id, d.diff_fen) for d in drifts if d.flagged] == [("P001", -12_345)]
    with pytest.raises(TotalsFileError) as exc:  # the lines named are the file's own
        drift_of(ledger, title + HEADER + "P001,1.00,1,2020-09-07 12:00\n不存在的项目,1.00,1,2020-09-07 12:00\n")
    assert str(exc.value) == "official.csv:5: 未知项目 '不存在的项目'。unknown project '不存在的项目'"


@pytest.mark.parametrize("cut", ["P002,3", "P002,3.00,2,2020-09-07 1"])
def test_a_half_written_download_is_refused_at_its_last_line_and_nothing_is_kept(ledger, db_path, tmp_path, cut):
    path = tmp_path / "official.csv"
    path.write_text(HEADER + "P001,1.00,1,2020-09-07 12:00\n" + cut, encoding="utf-8")
    ledger.dispose()
    ran = run_cli("drift", str(path), db=db_path)
    assert ran.returncode == 2 and ran.stderr.splitlines()[1].startswith("official.csv:3: ")
    assert checks(Store(str(db_path))) == 0


def test_a_file_with_a_misnamed_column_names_the_missing_one_and_where_to_give_the_time():
    """An organizer on /drift has the page's 统计时间 box, not the command line's --as-of: the message names both,
    and the one column the file lacks."""
    data = "项目名称,已筹金额(元),捐款次数,统计时间\nP001,1000.00,10,2020-09-07 12:00\n".encode()
    with pytest.raises(TotalsFileError) as refused:
        official.read_official(data, "official.csv", [{"project_id": "P001", "name": "一"}], config.load_event())
    assert str(refused.value) == (
        "official.csv: 缺少列 捐款人次：应有 项目名称、已筹金额(元)、捐款人次（和 统计时间 列，或另给出整个文件的统计时间："
        "页面上的“统计时间 As of”，命令行的 --as-of），此文件的列是 项目名称, 已筹金额(元), 捐款次数, 统计时间。"
        "missing column 捐款人次: expected 项目名称 (or a project id), 已筹金额(元) and 捐款人次 (and 统计时间, or the"
        " whole file's time: the page's “统计时间 As of” box, the command line's --as-of); its columns are 项目名称,"
        " 已筹金额(元), 捐款次数, 统计时间"
    )


def test_a_kept_comparison_is_timed_on_the_boards_clock_while_a_demo_plays(store):
    """Imports and acts show on the demo's clock; a comparison made at the same moment says the same time."""
    real = dt.datetime(2026, 12, 2, 16, 33, tzinfo=dt.UTC)
    demo = dt.datetime(2026, 12, 3, 12, 44, tzinfo=dt.UTC)
    clock.write_clock(store.location, clock.DemoClock(real.timestamp(), demo.timestamp(), 1.0))
    until = dt.datetime(2026, 12, 3, 4, 0, tzinfo=dt.UTC)
    drift = compare.Drift("P001", "一", until, 100, 100, 1, 1, False)
    kept.keep(store, [drift], "official.csv", "ana", now=real + dt.timedelta(seconds=5))
    (check,) = kept.recent_checks(store)
    assert check.checked_at == demo + dt.timedelta(seconds=5)


@pytest.mark.parametrize(
    "raised, count, said",
    [
        ("100", "", "手工录入 typed on the page: 捐款人次为空。捐款人次 is empty"),
        (
            "=cmd|' /C calc'!A0",
            "1",
            "手工录入 typed on the page: 已筹金额：金额 \"=cmd|' /C calc'!A0\" 不是数字。已筹金额 (amount raised): amount"
            " \"=cmd|' /C calc'!A0\" is not a number",
        ),
    ],
)
def test_typed_figures_are_refused_without_a_line_number_the_organizer_never_saw(raised, count, said):
    data = kept.typed_figures("P001", raised, count, "2020-09-07 12:00")
    with pytest.raises(TotalsFileError) as refused:
        official.read_official(data, kept.TYPED, [{"project_id": "P001", "name": "一"}], config.load_event())
    assert str(refused.value) == said
