"""The README keeps up with the code: every command, option, profile field and setting is documented."""

import argparse
import re

from givingday import config
from givingday.cli import parser
from givingday.ingest.profiles import CREDITABLE, MAPPABLE

README = (config.ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_documented():
    p = parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    for name, cmd in sub.choices.items():
        assert f"`{name}" in README, f"command {name} is not in the README"
        for action in cmd._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in README, f"{name} {flag} is not in the README"
    assert "--db" in README


def test_every_profile_field_is_documented():
    for f in (*MAPPABLE, *CREDITABLE, "match_headers", "personal_columns", "date_format", "time_format", "thousands"):
        assert f in README, f"profile field {f} is not in the README"


def test_every_environment_setting_is_documented():
    used = set()
    for path in (config.ROOT / "givingday").glob("*.py"):
        used |= set(re.findall(r"GIVINGDAY_[A-Z_]+", path.read_text(encoding="utf-8")))
    assert used, "no settings found"
    for name in sorted(used):
        assert f"`{name}`" in README, f"setting {name} is not in the README"


def test_every_query_has_a_header():
    for path in sorted(config.QUERIES_DIR.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith(f"-- {path.stem}:"), path.name
        assert "-- Grain:" in text and "-- Parameters:" in text, path.name


def test_every_event_setting_is_documented():
    import tomllib

    raw = tomllib.loads((config.ROOT / "data" / "event.toml").read_text(encoding="utf-8"))
    keys = {k for k, v in raw.items() if not isinstance(v, dict)}
    keys |= {f"[{section}]" for section, v in raw.items() if isinstance(v, dict)}
    keys |= {k for v in raw.values() if isinstance(v, dict) for k in v}
    for key in sorted(keys):
        assert f"`{key}`" in README, f"event setting {key} is not in the README"
