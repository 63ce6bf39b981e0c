"""The Debian packages the system uses: which are missing, installing them with apt-get, and the one line that
says how when they cannot be installed here."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

from deploy.local.processes import PROJECT_ROOT, StackError, is_root, log, run

PACKAGES_FILE = PROJECT_ROOT / "deploy" / "debian-packages.txt"  # the services' (and the image's) list
TEST_PACKAGES = ("chromium",)  # the public page's browser test: Debian's Chromium, driven by Playwright


def apt_install(*packages: str) -> None:
    """Install Debian packages (needs root or sudo); one line naming the command when it cannot."""
    why = None if shutil.which("apt-get") else "没有 apt-get"
    if why is None and not is_root() and not shutil.which("sudo"):
        why = "不是 root，也没有 sudo"
    if why:
        raise StackError(missing_line(packages, f"无法自动安装（{why}）"))
    prefix = [] if is_root() else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log(f"installing {' '.join(packages)} with apt-get")
    run(prefix + ["apt-get", "update"], env=env)
    run(prefix + ["apt-get", "install", "-y", "--no-install-recommends", *packages], env=env)


def install_command(packages) -> str:
    """The exact command that installs `packages` (sudo unless root)."""
    return ("" if is_root() else "sudo ") + "apt-get install -y --no-install-recommends " + " ".join(packages)


def missing_line(packages, why: str) -> str:
    """The one line that says which Debian packages are missing, why they were not installed, and how to."""
    return f"缺少系统软件包（missing_system_packages）：{' '.join(packages)}；{why}。请运行：{install_command(packages)}"


def system_packages(tests: bool = False) -> list[str]:
    """deploy/debian-packages.txt, plus what only the tests use when `tests`."""
    lines = (line.strip() for line in PACKAGES_FILE.read_text().splitlines())
    listed = [line for line in lines if line and not line.startswith("#")]
    return listed + interpreter_packages() + (list(TEST_PACKAGES) if tests else [])


def interpreter_packages() -> list[str]:
    """Debian ships venv and ensurepip apart from python3 (python3-venv): `make install` builds .venv with them."""
    own = sys.executable.startswith("/usr/bin/")  # the distribution's interpreter, which apt can complete
    return ["python3-venv"] if own and importlib.util.find_spec("ensurepip") is None else []


def missing_packages(packages: list[str]) -> list[str]:
    """Those of `packages` dpkg does not have installed (all of them where there is no dpkg)."""
    if not shutil.which("dpkg-query"):
        return list(packages)
    result = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n", *packages],
                            capture_output=True, text=True)  # exit 1 when one is unknown: its line is missing
    installed = {line.split()[0] for line in result.stdout.splitlines() if line.endswith(" installed")}
    return [p for p in packages if p not in installed]


def ensure_system_packages(tests: bool = False) -> list[str]:
    """Install the missing ones of system_packages(tests); return what was installed."""
    missing = missing_packages(system_packages(tests))
    if missing:
        apt_install(*missing)
        still = missing_packages(missing)
        if still:
            raise StackError(missing_line(still, "apt-get 安装后仍未装上"))
    return missing
