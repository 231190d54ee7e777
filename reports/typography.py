"""Typography profiles of the report and the fonts that fill their roles on this server.

Two profiles: "report" (the compact style: serif 12 pt text, bold sans headings) and "gongwen" (GB/T 9704: 仿宋
三号 body at 28 characters × 22 lines, 黑体 一、, 楷体 （一）, 仿宋 bold 1., 4/小4 号 tables). A 公文 role takes an
installed government font when fontconfig knows one, else the packaged free font. The chosen family names
travel in the content snapshot, so they are part of the content hash and recorded on the version.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

REPORT, GONGWEN = "report", "gongwen"
PROFILE_CHOICES = [(REPORT, "报告（紧凑排版）"), (GONGWEN, "公文（GB/T 9704：仿宋三号、28字×22行）")]

# Role → (installed fonts tried first, in order; packaged free font used otherwise).
ROLES: dict[str, tuple[tuple[str, ...], str]] = {
    "fangsong": (
        ("仿宋_GB2312", "FangSong_GB2312", "FangSong", "仿宋", "方正仿宋_GBK", "STFangsong"),
        "Noto Serif CJK SC",
    ),
    "kaiti": (("楷体_GB2312", "KaiTi_GB2312", "KaiTi", "楷体", "方正楷体_GBK", "STKaiti"), "LXGW WenKai"),
    "heiti": (("黑体", "SimHei", "方正黑体_GBK", "STHeiti"), "Noto Sans CJK SC"),
}
ROLE_NAMES = {"fangsong": "仿宋", "kaiti": "楷体", "heiti": "黑体"}
REPORT_FONTS = {"serif": "Noto Serif CJK SC", "sans": "Noto Sans CJK SC"}


@cache
def installed_families() -> frozenset[str]:
    """Every family name fontconfig lists (all localised names of each font)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:  # no fontconfig tools: only the packaged fonts are assumed
        return frozenset()
    try:
        listing = subprocess.run(  # noqa: S603 (fixed arguments, no user input)
            [fc_list, ":", "family"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(name.strip() for line in listing.splitlines() for name in line.split(","))


def profile_fonts(profile: str) -> dict[str, str]:
    """The family used for each role of the profile on this server."""
    if profile != GONGWEN:
        return dict(REPORT_FONTS)
    families = installed_families()
    fonts = {}
    for role, (preferred, packaged) in ROLES.items():
        fonts[role] = next((name for name in preferred if name in families), packaged)
    return fonts


def fonts_description(profile: str, fonts: dict[str, str]) -> str:
    """A line for the reviewer: which fonts the PDF uses, e.g. "公文：仿宋 = Noto Serif CJK SC（替代）…"."""
    if profile != GONGWEN:
        return f"报告：正文 {fonts.get('serif', '')}，标题 {fonts.get('sans', '')}"
    parts = []
    for role, name in ROLE_NAMES.items():
        family = fonts.get(role, "")
        substitute = family == ROLES[role][1]
        parts.append(f"{name} {family}{'（替代字体）' if substitute else ''}")
    return "公文：" + "，".join(parts)
