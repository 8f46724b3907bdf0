"""The Chinese font the report files are drawn with: found on this machine, never fetched.

The PDF embeds (a subset of) it, so the report reads the same in any viewer. `make test` installs Debian's
`fonts-noto-cjk` (tools/install_report_tools.sh); `GIVINGDAY_FONT` names another TTF/OTF/TTC file.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from givingday import config

CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


class FontMissing(RuntimeError):
    """No Chinese font on this machine: the message says how to install one."""


@dataclass(frozen=True)
class Face:
    path: str
    index: int  # the face within a .ttc collection (0 for a single font)
    family: str


@dataclass(frozen=True)
class CjkFont:
    regular: Face
    bold: Face  # the regular face again when the font has no bold


def _faces(path: str) -> list[Face]:
    from fontTools.ttLib import TTCollection, TTFont

    if path.lower().endswith((".ttc", ".otc")):
        fonts = TTCollection(path, lazy=True).fonts
    else:
        fonts = [TTFont(path, lazy=True)]
    return [Face(path, i, f["name"].getBestFamilyName() or "") for i, f in enumerate(fonts)]


def _simplified(path: str) -> Face:
    """The Simplified Chinese face of a collection (Noto's 'SC'), else its first face."""
    faces = _faces(path)
    return next((f for f in faces if f.family.endswith((" SC", "SC"))), faces[0])


def _fc_match() -> str | None:
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = out.stdout.strip()
    return path if path and Path(path).suffix.lower() in (".ttf", ".otf", ".ttc") and "CJK" in path else None


@cache
def cjk_font() -> CjkFont:
    explicit = config.font_file()
    if explicit and not Path(explicit).is_file():
        raise FontMissing(f"GIVINGDAY_FONT={explicit}: no such file")
    path = explicit or next((p for p in CANDIDATES if Path(p).is_file()), None) or _fc_match()
    if not path:
        raise FontMissing(
            "the report needs a Chinese font: apt-get install fonts-noto-cjk (or set GIVINGDAY_FONT to a .ttf/.otf/.ttc)"
        )
    regular = _simplified(path)
    bold_path = path.replace("Regular", "Bold")
    bold = _simplified(bold_path) if bold_path != path and Path(bold_path).is_file() else regular
    return CjkFont(regular, bold)
