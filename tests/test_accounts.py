"""Sign-in accounts: hashed passwords only, refused sign-ins slowed down, roles decide the pages."""

import json
import os
import stat

import pytest

from givingday import accounts, labels
from tests.conftest import PRODUCT_HASHER, run_cli

PASSWORD = "correct horse battery"


@pytest.fixture
def product_hashing(monkeypatch):
    """The product's own argon2id parameters, instead of the quick ones the other tests use."""
    monkeypatch.setattr(accounts, "_hasher", PRODUCT_HASHER)


def test_user_add_from_standard_input_stores_only_an_argon2_hash(db_path, product_hashing):
    r = run_cli("user", "add", "ana", "--role", "organizer", db=db_path, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert r.returncode == 0, r.stderr
    path = db_path.parent / "users.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and PASSWORD not in r.stdout + r.stderr
    entry = json.loads(text)["users"]["ana"]
    assert entry["role"] == "organizer" and entry["password_hash"].startswith("$argon2id$v=19$m=65536,t=3,")
    assert accounts.sign_in("ana", PASSWORD, location=str(db_path), throttle=accounts.Throttle()) == accounts.User(
        "ana", "organizer"
    )
    listed = run_cli("user", "list", db=db_path)
    assert listed.stdout.split() == ["ana", "organizer", "local"]


@pytest.mark.parametrize(
    ("args", "stdin", "reason"),
    [
        (["user", "add", "bob", "--role", "leader"], f"{PASSWORD}\nsomething else\n", "the two passwords differ"),
        (["user", "add", "bob", "--role", "leader"], "short\nshort\n", "at least 10 characters"),
        (["user", "add", "bad name", "--role", "leader"], f"{PASSWORD}\n{PASSWORD}\n", "without spaces"),
        (["user", "add", "bob"], f"{PASSWORD}\n{PASSWORD}\n", "needs --role"),
        (["user", "remove", "nobody"], "", "no user 'nobody'"),
    ],
)
def test_bad_user_commands_say_why_and_store_nothing(db_path, args, stdin, reason):
    r = run_cli(*args, db=db_path, input=stdin)
    assert r.returncode == 2
    assert reason in r.stderr
    assert not (db_path.parent / "users.json").exists()


def test_duplicate_user_passwd_and_remove(db_path):
    loc = str(db_path)
    accounts.add_user("ana", "admin", PASSWORD, loc)
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.add_user("ana", "leader", PASSWORD, loc)
    r = run_cli("user", "passwd", "ana", db=db_path, input="a new password!\na new password!\n")
    assert r.returncode == 0, r.stderr
    t = accounts.Throttle()
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in("ana", PASSWORD, location=loc, throttle=t)
    assert accounts.sign_in("ana", "a new password!", location=loc, throttle=t).role == "admin"
    accounts.remove_user("ana", loc)
    with pytest.raises(accounts.SignInRefused, match="Wrong user name or password"):
        accounts.sign_in("ana", "a new password!", location=loc, throttle=t)


def test_repeated_failures_are_slowed_down_then_forgiven():
    now = [1000.0]
    t = accounts.Throttle(clock=lambda: now[0])
    keys = ("user:ana", "client:10.0.0.9")
    for _ in range(accounts.FREE_FAILURES):
        assert t.wait_seconds(*keys) == 0
        t.failed(*keys)
    assert t.wait_seconds(*keys) == accounts.FIRST_WAIT_SECONDS
    t.failed(*keys)
    assert t.wait_seconds(*keys) == accounts.FIRST_WAIT_SECONDS * 2
    assert t.wait_seconds("client:10.0.0.9") == accounts.FIRST_WAIT_SECONDS * 2  # another name, same client
    now[0] += accounts.FIRST_WAIT_SECONDS * 2
    assert t.wait_seconds(*keys) == 0
    for _ in range(30):
        t.failed(*keys)
    assert t.wait_seconds(*keys) == accounts.MAX_WAIT_SECONDS
    t.succeeded(*keys)
    assert t.wait_seconds(*keys) == 0


def test_a_throttled_sign_in_is_refused_even_with_the_right_password(db_path):
    loc = str(db_path)
    accounts.add_user("ana", "organizer", PASSWORD, loc)
    t = accounts.Throttle()
    for _ in range(accounts.FREE_FAILURES):
        with pytest.raises(accounts.SignInRefused, match="Wrong"):
            accounts.sign_in("ana", "guess", client="1.2.3.4", location=loc, throttle=t)
    with pytest.raises(accounts.SignInRefused, match="Too many failed attempts"):
        accounts.sign_in("ana", PASSWORD, client="1.2.3.4", location=loc, throttle=t)


def test_oidc_users_have_roles_but_no_password(db_path):
    loc = str(db_path)
    r = run_cli("user", "add", "li@erqi.gov.cn", "--role", "leader", "--oidc", db=db_path)
    assert r.returncode == 0, r.stderr
    assert accounts.external_user("li@erqi.gov.cn", loc) == accounts.User("li@erqi.gov.cn", "leader", True)
    assert accounts.external_user("someone@else.cn", loc) is None
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in("li@erqi.gov.cn", "", location=loc, throttle=accounts.Throttle())


def test_roles_decide_the_pages():
    assert accounts.pages_for(None) == ()
    assert set(accounts.pages_for(accounts.User("l", "leader"))) == {"summary", "console"}
    assert set(accounts.pages_for(accounts.User("o", "organizer"))) == {
        "console",
        "alerts",
        "act",
        "data",
        "drift",
        "moderation",
        "summary",
    }
    assert set(accounts.pages_for(accounts.User("a", "admin"))) == set(labels.PROTECTED_PAGES)
    assert set(labels.PROTECTED_PAGES) >= {p for role in labels.ROLES for p in labels.pages_for(role)}


def test_parallel_wrong_passwords_cannot_slip_past_the_count(db_path):
    from concurrent.futures import ThreadPoolExecutor

    loc = str(db_path)
    accounts.add_user("ana", "organizer", PASSWORD, loc)
    t = accounts.Throttle()

    def guess(i):
        try:
            accounts.sign_in("ana", f"guess {i}", client="9.9.9.9", location=loc, throttle=t)
        except accounts.SignInRefused as exc:
            return "Too many" in str(exc)

    with ThreadPoolExecutor(8) as pool:
        throttled = list(pool.map(guess, range(8)))
    assert throttled.count(False) == accounts.FREE_FAILURES
    assert throttled.count(True) == 8 - accounts.FREE_FAILURES


def test_one_client_cannot_lock_an_organizer_out_elsewhere(db_path):
    loc = str(db_path)
    accounts.add_user("ana", "organizer", PASSWORD, loc)
    t = accounts.Throttle()
    for _ in range(10):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in("ana", "guess", client="6.6.6.6", location=loc, throttle=t)
    assert accounts.sign_in("ana", PASSWORD, client="10.0.0.2", location=loc, throttle=t).name == "ana"
