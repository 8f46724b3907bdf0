"""The docs keep up with the code: README.md and docs/*.md document every command with its own flags, every
setting, every profile field and event setting; every query has its header; every link leads somewhere; and
the import rules ARCHITECTURE.md states hold."""

import argparse
import ast
import os
import re
import shlex
import subprocess
import tomllib

import pytest

from givingday import config
from givingday.cli import parser
from givingday.ingest.profiles import CREDITABLE, MAPPABLE
from tests.conftest import run_cli

DOCS = {p.relative_to(config.ROOT).as_posix(): p.read_text(encoding="utf-8") for p in config.ROOT.glob("*.md")}
DOCS |= {p.relative_to(config.ROOT).as_posix(): p.read_text(encoding="utf-8") for p in config.ROOT.glob("docs/*.md")}
README = DOCS["README.md"]
ALL = "\n".join(DOCS.values())


def table_rows(text: str) -> list[list[str]]:
    """Every Markdown table row of `text`, as its cells (an escaped `\\|` stays inside its cell)."""
    return [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in text.splitlines() if line[:1] == "|"]


def sections(text: str, heading: str) -> list[str]:
    """The sections of `text` whose heading matches the regex `heading`, each up to the next heading as high."""
    found = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"(#+) ", line)
        if m and re.search(heading, line):
            end = next((j for j in range(i + 1, len(lines)) if re.match(rf"#{{1,{len(m[1])}}} ", lines[j])), None)
            found.append("\n".join(lines[i:end]))
    return found


def command_docs(name: str) -> list[str]:
    """Where command `name` is documented: its rows of a table whose first cell starts with it, its usage spans
    (`python -m givingday name …`, up to the closing backtick or blank line) and sections headed `name`."""
    starts = re.compile(rf"`{name}[ `]")
    places = [" | ".join(row) for text in DOCS.values() for row in table_rows(text) if starts.match(row[0])]
    usage = re.compile(rf"givingday (?:\[--db [^\]]*\] )?{name}\b(?:(?!\n\n|givingday )[^`])*")
    places += [m[0] for m in usage.finditer(ALL)]
    places += [s for text in DOCS.values() for s in sections(text, rf"`{name}`")]
    return places


def commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_is_in_the_readme_table():
    first_cells = [row[0] for row in table_rows(README)]
    for name in commands():
        assert any(re.match(rf"`{name}[ `]", cell) for cell in first_cells), f"command {name}: no row in the README"


def test_every_flag_is_documented_for_its_own_command():
    for name, cmd in commands().items():
        places = command_docs(name)
        for flag in (f for action in cmd._actions for f in action.option_strings if f not in ("-h", "--help")):
            assert any(re.search(rf"{flag}\b", place) for place in places), f"{name} {flag} is not documented"
        for choice in (
            str(c) for action in cmd._actions if action.choices and action.dest != "help" for c in action.choices
        ):
            assert any(choice in place for place in places), f"{name}: the choice {choice} is not documented"
    assert re.search(r"givingday \[--db PATH\|URL\] COMMAND", README), "--db is not in the README's usage line"


def test_the_flag_check_reads_only_the_commands_own_places():
    assert not any("--scale" in place for place in command_docs("totals"))
    assert any("--scale" in place for place in command_docs("simulate"))
    assert any("--query" in place for place in command_docs("load"))


def test_every_environment_setting_is_documented():
    code = [*config.ROOT.joinpath("givingday").rglob("*.py"), config.ROOT / "app.py", *config.ROOT.glob("pages/*.py")]
    used = {name for path in code for name in re.findall(r"GIVINGDAY_[A-Z_]+", path.read_text(encoding="utf-8"))}
    assert {"GIVINGDAY_DB", "GIVINGDAY_FONT", "GIVINGDAY_PAUSE_BEFORE_COMMIT"} <= used, "settings not found"
    rows = {row[0] for text in DOCS.values() for row in table_rows(text)}
    for name in sorted(used):
        assert f"`{name}`" in rows, f"setting {name} has no row in a settings table"


def test_every_profile_field_is_documented():
    fields = (*MAPPABLE, *CREDITABLE, "match_headers", "personal_columns", "date_format", "time_format", "thousands")
    for f in fields:
        assert f in ALL, f"profile field {f} is not in the docs"


def test_every_query_has_a_header():
    for path in sorted(config.QUERIES_DIR.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith(f"-- {path.stem}:"), path.name
        assert "-- Grain:" in text and "-- Parameters:" in text, path.name


def test_every_event_setting_is_documented():
    raw = tomllib.loads((config.ROOT / "data" / "event.toml").read_text(encoding="utf-8"))
    keys = {k for k, v in raw.items() if not isinstance(v, dict)}
    keys |= {f"[{section}]" for section, v in raw.items() if isinstance(v, dict)}
    keys |= {k for v in raw.values() if isinstance(v, dict) for k in v}
    for key in sorted(keys):
        assert f"`{key}`" in ALL, f"event setting {key} is not in the docs"


def test_every_link_between_the_docs_leads_to_a_file():
    for name, text in DOCS.items():
        folder = (config.ROOT / name).parent
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not target.startswith(("http://", "https://")):
                assert (folder / target).exists(), f"{name} links to {target}, which does not exist"


def test_readme_is_read_in_five_minutes():
    assert len(README.splitlines()) <= 150


def imports_of(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def test_the_import_rules_architecture_states():
    code = [*config.ROOT.joinpath("givingday").rglob("*.py"), config.ROOT / "app.py", *config.ROOT.glob("pages/*.py")]
    for path in code:
        where = path.relative_to(config.ROOT).as_posix()
        imported = imports_of(path)
        interface = where.startswith(("givingday/web/", "pages/")) or where == "app.py"
        streamlit = {m for m in imported if m == "streamlit" or m.startswith("streamlit.")}
        if where.startswith("givingday/ops/"):  # a client of the board: Streamlit's protobuf messages only
            streamlit = {m for m in streamlit if not m.startswith("streamlit.proto")}
        assert interface or not streamlit, f"{where} imports Streamlit"
        web = {m for m in imported if m.startswith("givingday.web")}
        assert interface or where == "givingday/cli.py" or not web, f"{where} imports givingday/web/"


@pytest.mark.slow
def test_the_report_examples_work_as_written_on_a_demo_store(tmp_path, monkeypatch):
    """docs/report.md's commands, run as written on a demo playing on today's date (as `make run` makes one)."""
    db = tmp_path / "g.duckdb"
    assert run_cli("simulate", "--backfill-until", "21:00", "--scale", "0.02", db=db).returncode == 0
    block = re.search(r"```sh\n(.*?)```", DOCS["docs/report.md"], re.S).group(1)
    commands = [shlex.split(line)[3:] for line in block.splitlines() if line.startswith("python -m givingday report")]
    assert len(commands) >= 3
    monkeypatch.chdir(tmp_path)
    for argv in commands:
        r = run_cli(*argv, db=db)
        assert r.returncode == 0, (argv, r.stderr)
        out = tmp_path / argv[argv.index("--out") + 1]
        assert out.stat().st_size > 1000, argv


def test_make_run_takes_the_port_the_readme_names():
    """A new user whose 8501 is taken (another board, another service) runs the README's first command elsewhere."""
    assert "board on :8501 (make run PORT=N: another port)" in README
    alone = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}  # not `make test`'s
    made = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "PORT=8765"],
        capture_output=True,
        text=True,
        cwd=config.ROOT,
        env=alone,
        check=True,
    )
    assert made.stdout.splitlines()[-1] == ".venv/bin/python -m givingday serve --port 8765"
