"""Failed sign-ins slow the attacker, not the organizer: per name and address, per browser session, and an
address only for sessions that failed; the forwarded address of a trusted proxy; failures logged, masked."""

import logging

import pytest

from givingday import accounts, config

PASSWORD = "correct horse battery"


@pytest.fixture
def loc(db_path):
    accounts.add_user("ana", "organizer", PASSWORD, str(db_path))
    return str(db_path)


def _fail(name, loc, t, address="5.5.5.5", session="attacker"):
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(name, "guess", client=address, location=loc, throttle=t, session=session)


def test_made_up_names_from_the_same_address_do_not_lock_an_organizer_out(loc):
    t = accounts.Throttle()
    for i in range(10):
        _fail(f"nobody{i}", loc, t)  # behind one proxy, everybody shares this address
    with pytest.raises(accounts.SignInRefused, match="Too many"):  # the attacker's own session waits
        accounts.sign_in("ana", PASSWORD, client="5.5.5.5", location=loc, throttle=t, session="attacker")
    before = t.failures("client:5.5.5.5")
    user = accounts.sign_in("ana", PASSWORD, client="5.5.5.5", location=loc, throttle=t, session="organizer")
    assert user.name == "ana"
    assert t.failures("client:5.5.5.5") == before > 0  # her success forgave nobody else's failures


def test_a_fresh_session_gets_one_try_when_its_address_is_slowed(loc):
    t = accounts.Throttle()
    for i in range(5):
        _fail(f"x{i}", loc, t)
    _fail("ana", loc, t, session="fresh")  # one wrong try from a new tab is checked…
    with pytest.raises(accounts.SignInRefused, match="Too many"):  # …a second is not
        accounts.sign_in("ana", PASSWORD, client="5.5.5.5", location=loc, throttle=t, session="fresh")


def test_a_huge_name_is_cut_before_it_is_kept(loc):
    t = accounts.Throttle()
    _fail("n" * 5_000_000, loc, t)
    assert all(len(k) < 200 for k in t._failures)
    assert len(accounts.recent_refusals()[0].name) <= 3


def test_failures_are_logged_with_the_name_masked(loc, caplog):
    t = accounts.Throttle()
    with caplog.at_level(logging.WARNING, logger="givingday.accounts"):
        _fail("ana", loc, t, address="7.7.7.7")
    assert "a**" in caplog.text and "7.7.7.7" in caplog.text and "ana" not in caplog.text.replace("a**", "")
    latest = accounts.recent_refusals()[0]
    assert (latest.name, latest.address, latest.throttled) == ("a**", "7.7.7.7", False)


def test_only_a_trusted_proxy_may_say_who_the_client_is():
    trusted = frozenset({"10.0.0.1"})
    assert config.client_address("10.0.0.1", "203.0.113.9, 10.0.0.1", trusted) == "203.0.113.9"
    assert config.client_address("10.0.0.1", "1.1.1.1, 203.0.113.9", trusted) == "203.0.113.9"  # nearest hop
    assert config.client_address("198.51.100.7", "203.0.113.9", trusted) == "198.51.100.7"  # not a proxy: ignored
    assert config.client_address("10.0.0.1", None, trusted) == "10.0.0.1"


def test_a_broken_accounts_file_is_said_plainly_and_keeps_open_sessions(loc, db_path):
    user = accounts.sign_in("ana", PASSWORD, location=loc, throttle=accounts.Throttle())
    assert accounts.still_valid(user, loc)
    path = accounts.users_path(loc)
    path.write_text(path.read_text()[:-5])  # edited by hand, saved half
    with pytest.raises(accounts.SignInRefused, match="accounts file cannot be read"):
        accounts.sign_in("ana", PASSWORD, location=loc, throttle=accounts.Throttle())
    assert accounts.still_valid(user, loc)  # signed-in organizers keep working meanwhile
    with pytest.raises(accounts.AccountError, match="not valid JSON"):
        accounts.list_users(loc)


def test_the_sign_in_page_says_a_broken_accounts_file_plainly(page_store):
    from streamlit.testing.v1 import AppTest

    accounts.add_user("ana", "organizer", PASSWORD, page_store.location)
    path = accounts.users_path(page_store.location)
    path.write_text(path.read_text()[:-5])
    at = AppTest.from_file("../pages/sign_in.py", default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "账号文件无法读取，请联系管理员。The accounts file cannot be read: ask the administrator."
    ]
    assert accounts.external_user("ana@example.org", page_store.location) is None


def test_streamlits_metrics_are_answered_only_on_this_machine():
    import asyncio

    from givingday.web.asgi import PrivateEndpoints

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"sessions 3"})

    def status(path: str, host: str) -> int:
        sent = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b""}

        scope = {"type": "http", "path": path, "client": (host, 5000), "method": "GET", "headers": []}
        asyncio.run(PrivateEndpoints(inner, base_path="board")(scope, receive, send))
        return sent[0]["status"]

    assert status("/board/_stcore/metrics", "203.0.113.9") == 404
    assert status("/board/_stcore/metrics/", "10.1.2.3") == 404
    assert status("/board/_stcore/health", "203.0.113.9") == 200
    assert status("/board/_stcore/metrics", "127.0.0.1") == 200
    assert status("/board/_stcore/metrics", "::1") == 200
    assert status("/board/_stcore/metrics", "::ffff:127.0.0.1") == 200, "IPv4 on a dual-stack socket"
    assert status("/board/_stcore/metrics", "::ffff:203.0.113.9") == 404
