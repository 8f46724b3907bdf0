"""The intake API's tokens (givingday/tokens.py): printed once, kept only as a hash in a file of mode 600, listed
and revoked from the command line, and a change of the file seen by the board without a restart."""

import hashlib
import json
import os
import stat

import pytest

from givingday import tokens
from tests.conftest import run_cli


def test_token_add_prints_the_token_once_and_keeps_only_its_hash(db_path):
    r = run_cli("token", "add", "wechat-relay", db=db_path)
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert token.startswith("gd_") and len(token) == 3 + 43  # 32 random bytes, URL-safe base64
    assert "api:wechat-relay" in r.stderr and "shown only now" in r.stderr
    path = db_path.parent / "api_tokens.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert token not in text
    entry = json.loads(text)["tokens"]["wechat-relay"]
    assert entry["sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert tokens.holder(token, str(db_path)) == "wechat-relay"
    assert tokens.holder(token + "x", str(db_path)) is None
    assert token not in run_cli("token", "list", db=db_path).stdout


def test_token_list_and_revoke(db_path):
    first = run_cli("token", "add", "relay", db=db_path).stdout.strip()
    second = run_cli("token", "add", "phone.app_2", db=db_path).stdout.strip()
    listed = run_cli("token", "list", db=db_path)
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["phone.app_2", "relay"]
    r = run_cli("token", "revoke", "relay", db=db_path)
    assert (r.returncode, r.stdout) == (0, "token relay revoked: the board refuses it from its next post\n")
    assert tokens.holder(first, str(db_path)) is None  # read again: the file changed
    assert tokens.holder(second, str(db_path)) == "phone.app_2"
    assert run_cli("token", "list", db=db_path).stdout.split()[0] == "phone.app_2"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["token", "add"], "`token add` needs a NAME"),
        (["token", "add", "a name"], "a token's name is 1–64 letters"),
        (["token", "add", "-x"], "unrecognized arguments: -x"),
        (["token", "revoke", "nobody"], "no token named 'nobody'"),
    ],
)
def test_bad_token_commands_say_why_and_write_nothing(db_path, args, reason):
    r = run_cli(*args, db=db_path)
    assert r.returncode == 2
    assert reason in r.stderr
    assert not (db_path.parent / "api_tokens.json").exists()


def test_a_name_has_one_token_until_it_is_revoked(db_path):
    token = tokens.add_token("relay", str(db_path))
    r = run_cli("token", "add", "relay", db=db_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert "a token named 'relay' exists" in r.stderr
    assert tokens.holder(token, str(db_path)) == "relay"


def test_a_file_broken_by_hand_lets_no_token_in_and_the_command_says_where(db_path):
    token = tokens.add_token("relay", str(db_path))
    path = tokens.tokens_path(str(db_path))
    path.write_text('{"tokens": ', encoding="utf-8")
    assert tokens.holder(token, str(db_path)) is None
    r = run_cli("token", "list", db=db_path)
    assert r.returncode == 2 and f"{path} is not valid JSON (line 1, column 12: Expecting value)" in r.stderr
