"""Whether release.pdf can be printed on this machine: WeasyPrint loads pango, HarfBuzz's subsetter is there
and fontconfig finds a CJK font. Checked once per process (the publish service at start, for /readyz, and
before each print); the Debian packages are those of deploy/debian-packages.txt."""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

from contracts.errors import DomainError

INSTALL = "apt-get install -y --no-install-recommends"
PDF = "release.pdf"


class RendererUnavailable(DomainError):
    """release.pdf cannot be printed here until a Debian package is installed; the other files can."""

    code = "renderer_unavailable"
    http_status = 503
    missing: Missing


@dataclass(frozen=True)
class Missing:
    packages: tuple[str, ...]
    why: str

    def error(self) -> RendererUnavailable:
        # A new exception each time: one raised again and again would grow its traceback.
        names = " ".join(self.packages)
        error = RendererUnavailable(f"本机暂时无法生成 {PDF}，缺少 Debian 软件包 {names}（{self.why}）。"
                                    f"请安装：{INSTALL} {names}；其余发布文件照常提供。")
        error.missing = self
        return error


@functools.cache
def probe() -> Missing | None:
    """What keeps release.pdf from being printed here (every missing package at once), or None; cached: the
    answer holds for the process."""
    try:
        # Importing WeasyPrint dlopens pango, pangoft2, fontconfig and HarfBuzz; it fails without them.
        from weasyprint.text.ffi import harfbuzz_subset
    except OSError as exc:
        return Missing(("libpango-1.0-0", "libpangoft2-1.0-0", "fontconfig"),
                       f"WeasyPrint 无法加载排版库（{str(exc).splitlines()[0]}）")
    found: list[tuple[str, str]] = []
    if harfbuzz_subset is None:
        # WeasyPrint's fallback subsetter stamps the build time into each font: release.pdf would not be byte-identical.
        found.append(("libharfbuzz-subset0", "没有 HarfBuzz 字体子集库（PDF 将无法逐字节一致）"))
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        found.append(("fontconfig", "没有 fontconfig，找不到中文字体"))
    elif not subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout.strip():
        found.append(("fonts-wqy-microhei", "fontconfig 找不到中文（CJK）字体，汉字将印成方框"))
    if not found:
        return None
    return Missing(tuple(package for package, _ in found), "；".join(why for _, why in found))


def check() -> None:
    """Raise RendererUnavailable when release.pdf cannot be printed here."""
    missing = probe()
    if missing is not None:
        raise missing.error()
