"""The command line asks the running board: `totals`, `report`, `status` and `drift` work while the board holds the
store.

DuckDB lets one process hold a store file, and on the day that process is the board. So `givingday serve`
writes `board.json` beside the store (its port, its path prefix and a random token; mode 0600, removed when
it stops), and a command that finds the store held sends its arguments to the board at
`/_givingday/ask` on 127.0.0.1. The board runs the same command on its own store and sends back what it
printed and its exit status. The endpoint answers only this machine, only with the token, and only the
commands that read (`drift` also keeps the comparison it made, as the page does).
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.error
import urllib.request
from pathlib import Path

from givingday import config

LINK_FILE = "board.json"
ASKABLE = ("totals", "report", "status", "drift")
PATH = "/_givingday/ask"
TOKEN_HEADER = "X-Givingday-Token"
TIMEOUT_SECONDS = 300  # a report of the whole event takes seconds; a hung board must not hang the shell


def link_path(location: str) -> Path:
    return config.beside_store(location, LINK_FILE)


_token: str | None = None


def published_token() -> str | None:
    """The token this process published, if it is a board."""
    return _token


def publish(location: str, port: int, base: str) -> str:
    """Write board.json for this board (mode 0600) and return its token."""
    global _token
    token = _token = secrets.token_urlsafe(32)
    config.write_private_json(
        link_path(location), {"port": port, "base": base.strip("/"), "token": token, "pid": os.getpid()}
    )
    return token


def withdraw(location: str, token: str) -> None:
    """Remove board.json if it is still this board's."""
    path = link_path(location)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("token") == token:
            path.unlink()
    except (OSError, ValueError):
        pass


def absolute_paths(argv: list[str], cwd: Path, file: str | None = None) -> list[str]:
    """`report --out FILE` and `drift FILE` name a file where the command was typed: the board must write or read
    it there."""
    out = [str((cwd / a).resolve()) if file is not None and a == file else a for a in argv]
    for i, arg in enumerate(out):
        if arg == "--out" and i + 1 < len(out):
            out[i + 1] = str((cwd / out[i + 1]).resolve())
        elif arg.startswith("--out="):
            out[i] = "--out=" + str((cwd / arg.removeprefix("--out=")).resolve())
    return out


class NoBoard(Exception):
    """No running board answers for this store (none started, or it stopped without removing board.json)."""


def ask(location: str, argv: list[str], file: str | None = None) -> tuple[str, str, int]:
    """Run a reading command on the board that holds the store: (what it printed, its errors, exit status);
    `file` is the argument that names a file to read."""
    try:
        link = json.loads(link_path(location).read_text(encoding="utf-8"))
        base = "/" + link["base"] if link["base"] else ""
        url = f"http://127.0.0.1:{int(link['port'])}{base}{PATH}"
        token = str(link["token"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NoBoard(str(exc)) from exc
    body = json.dumps({"argv": absolute_paths(argv, Path.cwd(), file)}).encode()
    request = urllib.request.Request(url, body, {TOKEN_HEADER: token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise NoBoard(str(exc)) from exc
    return str(answer["stdout"]), str(answer["stderr"]), int(answer["code"])
