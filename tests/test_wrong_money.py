"""Nothing wrong gets in: amounts, headers, dates and labels that once stored wrong money, each refused or
read as meant, with the store unchanged by what is refused."""

from givingday.ingest.batch import import_file
from tests.conftest import CANONICAL_HEADER, write


def _rejections(store) -> list[tuple[int, str]]:
    rows = store.engine.connect().exec_driver_sql("select line, reason from rejected_rows order by line").all()
    return [(r[0], r[1]) for r in rows]


def test_amounts_are_read_as_written_or_refused(store, tmp_path):
    text = CANONICAL_HEADER + (
        'B1,2020-09-07 10:00:00,"1,00",0,P001,,,qr,\n'
        'B2,2020-09-07 10:00:01,"1,2,3",0,P001,,,qr,\n'
        "B3,2020-09-07 10:00:02,１００,0,P001,,,qr,\n"
        "B4,2020-09-07 10:00:03,٣٠٠,0,P001,,,qr,\n"
        "B5,2020-09-07 10:00:04,𝟗𝟗,0,P001,,,qr,\n"
        'B6,2020-09-07 10:00:05,"1,000.50",0,P001,,,qr,\n'
    )
    r = import_file(store, write(tmp_path, "amounts.csv", text))
    assert (r.rows_new, r.rows_rejected, r.amount_new_fen) == (2, 4, 10_000 + 100_050)
    reasons = _rejections(store)
    assert [line for line, _ in reasons] == [2, 3, 5, 6]
    assert "out of place" in reasons[0][1] and "out of place" in reasons[1][1]
    assert "not a number" in reasons[2][1] and "not a number" in reasons[3][1]


def test_names_and_labels_lose_control_and_format_characters(store, tmp_path):
    from givingday.masking import clean_text, mask_name

    assert mask_name("\u202e张三") == "张**"  # U+202E would reverse the ticker line after it
    assert mask_name("\u200b李四") == "李**"  # a zero-width first character left the masked name blank
    assert mask_name("\u0301王五") == "王**"  # so did a combining mark
    assert mask_name("\u200b\u200d") == "爱心人士"
    assert clean_text("关爱\u202e老兵\n情暖\x00") == "关爱老兵 情暖"
    text = CANONICAL_HEADER + "C1,2020-09-07 10:00:00,5,0,P001,,,qr,\u202e赵六\n"
    import_file(store, write(tmp_path, "names.csv", text))
    with store.engine.connect() as c:
        assert c.exec_driver_sql("select donor_name_masked from donations").scalar() == "赵**"


def test_scrub_cuts_before_reading_and_scrubs_what_straddles_the_cut():
    from givingday.masking import scrub

    assert scrub("y" * 190 + "13812345678zz", limit=200) == "y" * 190 + "***zz"
    long_memo = "a." * 100_000 + "13812345678"
    assert scrub(long_memo, limit=200) == ("a." * 100)


def test_a_huge_memo_is_cut_before_any_pattern_reads_it(store, tmp_path, monkeypatch):
    """A 200k-character memo once held the write lock for a minute: every pattern now reads a bounded text."""
    from givingday import masking

    read: list[int] = []
    scrub_part = masking._scrub_part
    monkeypatch.setattr(masking, "_scrub_part", lambda s: read.append(len(s)) or scrub_part(s))
    memo = "x@" * 100_000
    text = f"donation_id,occurred_at,amount_yuan,project,memo\nM1,2020-09-07 10:00:00,10,P001,{memo}\n"
    report = import_file(store, write(tmp_path, "memo.csv", text))
    assert report.rows_new == 1 and read and max(read) <= 200 + masking._CUT_MARGIN
    assert store.scalar("select memo from donations") == memo[:200]


def test_two_columns_for_one_field_are_refused(store, tmp_path):
    from tests.conftest import snapshot

    before = snapshot(store)
    repeated = (
        "donation_id,occurred_at,amount_yuan,project,amount_yuan,project\nD1,2020-09-07 10:00:00,10,P001,99999,P002\n"
    )
    r = import_file(store, write(tmp_path, "repeated.csv", repeated))
    assert r.outcome == "unreadable" and r.exit_status != 0
    assert "column 3 ('amount_yuan') and column 5 ('amount_yuan') both give amount_yuan" in r.message
    platform = "订单号,捐款时间,捐赠金额(元),捐赠金额,项目名称\nW1,2020-09-07 10:00:00,10,99999,P001\n"
    r = import_file(store, write(tmp_path, "platform.csv", platform))
    assert r.outcome == "unreadable" and "both give amount_yuan" in r.message
    assert snapshot(store) == before


def test_a_workbook_that_unpacks_too_far_is_refused(store, tmp_path, monkeypatch):
    import io

    import openpyxl

    from givingday.ingest import formats
    from tests.conftest import snapshot

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["donation_id", "occurred_at", "amount_yuan", "project"])
    for i in range(300):
        ws.append([f"X{i}", "2020-09-07 10:00:00", 1, "P001", *([" "] * 40)])
    buf = io.BytesIO()
    wb.save(buf)
    before = snapshot(store)
    monkeypatch.setattr(formats, "MAX_XLSX_CELLS", 5_000)
    r = import_file(store, write_bytes(tmp_path, "wide.xlsx", buf.getvalue()))
    assert r.outcome == "unreadable" and "more than 5,000 cells" in r.message
    monkeypatch.setattr(formats, "MAX_XLSX_UNPACKED_BYTES", 10_000)
    r = import_file(store, write_bytes(tmp_path, "big.xlsx", buf.getvalue()))
    assert r.outcome == "unreadable" and "unpacks to" in r.message
    assert snapshot(store) == before


def write_bytes(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_the_demo_never_plays_among_real_gifts(store, tmp_path, capsys):
    from givingday import cli, clock
    from givingday.demo.simulate import store_origin
    from givingday.ingest.batch import import_bytes
    from givingday.web.serve import demo_wanted

    assert (store_origin(store), demo_wanted(store)) == ("empty", True)
    demo_rows = CANONICAL_HEADER + "DEMO1,2020-09-07 10:00:00,10,0,P001,,,qr,\n"
    import_bytes(store, demo_rows.encode(), "demo-20200907-1000.csv")
    clock.write_clock(store.location, clock.DemoClock(0.0, 0.0, 1.0, "2020-09-07", 99, 1.0))
    assert (store_origin(store), demo_wanted(store)) == ("demo", True)
    import_file(store, write(tmp_path, "bank.csv", CANONICAL_HEADER + "R1,2020-09-07 10:00:00,10,0,P001,,,qr,\n"))
    assert (store_origin(store), demo_wanted(store)) == ("mixed", False)  # the clock file no longer decides
    store.dispose()
    assert cli.main(["--db", str(store.location), "status"]) == 0
    assert "MIXED WITH DEMO GIFTS" in capsys.readouterr().out
