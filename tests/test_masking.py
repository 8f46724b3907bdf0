from pathlib import Path

from givingday.masking import ANONYMOUS, DonorHasher, load_salt, mask_name, scrub


def test_mask_name():
    assert mask_name("张三丰") == "张**"
    assert mask_name("张三") == "张**"
    assert mask_name(" 李 ") == "李**"
    for anonymous in ("", None, "匿名", "  匿名 ", "nan"):
        assert mask_name(anonymous) == ANONYMOUS
    # A nickname that is a phone number or an e-mail is not shown even in part.
    assert mask_name("13812345678") == ANONYMOUS
    assert mask_name("wang@example.com") == ANONYMOUS


def test_scrub_numbers():
    text = "王五 13812345678 身份证410103199001011234 账号 6222 0212 3456 7890 谢谢 a@b.cn"
    out = scrub(text)
    assert "13812345678" not in out and "410103199001011234" not in out and "6222" not in out
    assert "a@b.cn" not in out
    assert out.startswith("王五 ***") and "谢谢" in out
    assert scrub("ung ho 500.000d") == "ung ho 500.000d"  # an amount is not an account


def test_salt_made_once(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("GIVINGDAY_SALT", raising=False)
    p = tmp_path / "salt.key"
    s1 = load_salt(p)
    assert load_salt(p) == s1 and len(s1) == 64
    assert oct(p.stat().st_mode)[-3:] == "600"
    h1, h2 = DonorHasher(s1), DonorHasher(b"other")
    assert h1("张三") == h1("张三") != h2("张三")
    assert "张三" not in h1("张三")


def test_scrub_keeps_dates_and_times():
    assert scrub("2020-09-07 10:01:00") == "2020-09-07 10:01:00"
    assert scrub("10/09/2024 转账 6222021234567890") == "10/09/2024 转账 ***"
    assert scrub("12:01:29 call 13812345678") == "12:01:29 call ***"


def test_hasher_remembers_no_donor():
    hasher = DonorHasher(b"salt")
    digests = {hasher(f"1380013{i:04d}") for i in range(1000)}
    assert len(digests) == 1000
    assert vars(hasher) == {"_salt": b"salt"}  # no identity kept in memory between files (nor growing with them)
