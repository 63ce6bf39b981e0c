"""`make up` / `make test` first install the Debian packages the system uses (deploy/local/stack.py packages,
deploy/local/packages.py):
only the missing ones, after apt-get update, without recommends; where that cannot be done, one line names
them and the exact command. dpkg-query and apt-get are stand-ins on PATH that share one package database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from deploy.local import packages, stack

DPKG_QUERY = """#!{python}
import sys
installed = set(open({db!r}).read().split())
for name in sys.argv[3:]:
    if name in installed:
        print(name, "installed")
    else:
        print("dpkg-query: no packages found matching", name, file=sys.stderr)
"""
APT_GET = """#!{python}
import sys
open({calls!r}, "a").write(" ".join(sys.argv[1:]) + "\\n")
if sys.argv[1] == "install":
    open({db!r}, "a").write(" ".join(a for a in sys.argv[2:] if not a.startswith("-")) + "\\n")
"""


@pytest.fixture
def debian(tmp_path, monkeypatch):
    """A PATH with only dpkg-query and apt-get (no sudo); the rendering libraries installed, not the rest."""
    bin_dir, db, calls = tmp_path / "bin", tmp_path / "installed", tmp_path / "apt-calls"
    bin_dir.mkdir()
    db.write_text("libpango-1.0-0 libpangoft2-1.0-0 fontconfig\n")
    for name, text in (("dpkg-query", DPKG_QUERY), ("apt-get", APT_GET)):
        (bin_dir / name).write_text(text.format(python=sys.executable, db=str(db), calls=str(calls)))
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return calls


def test_the_list_is_the_image_s_plus_chromium_for_the_tests():
    assert packages.system_packages() == ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0",
                                       "fonts-wqy-microhei", "fontconfig"]
    assert packages.system_packages(tests=True) == [*packages.system_packages(), "chromium"]


def test_root_installs_only_what_is_missing_after_an_update(debian, monkeypatch):
    monkeypatch.setattr(packages, "is_root", lambda: True)
    assert packages.ensure_system_packages(tests=True) == ["libharfbuzz-subset0", "fonts-wqy-microhei", "chromium"]
    assert debian.read_text().splitlines() == [
        "update", "install -y --no-install-recommends libharfbuzz-subset0 fonts-wqy-microhei chromium"]
    assert packages.ensure_system_packages(tests=True) == []  # the second time nothing is missing, apt is not run
    assert len(debian.read_text().splitlines()) == 2


def test_without_root_or_sudo_one_line_names_the_packages_and_the_command(debian, monkeypatch, capsys):
    monkeypatch.setattr(packages, "is_root", lambda: False)
    assert stack.main(["packages"]) == 1
    assert capsys.readouterr().err == (
        "[stack] error: 缺少系统软件包（missing_system_packages）：libharfbuzz-subset0 fonts-wqy-microhei；"
        "无法自动安装（不是 root，也没有 sudo）。"
        "请运行：sudo apt-get install -y --no-install-recommends libharfbuzz-subset0 fonts-wqy-microhei\n")
    assert not debian.exists()  # apt-get never ran


def test_without_apt_one_line_names_every_package(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither dpkg-query nor apt-get: nothing can be checked
    monkeypatch.setattr(packages, "is_root", lambda: True)
    assert stack.main(["packages", "--tests"]) == 1
    names = " ".join(packages.system_packages(tests=True))
    assert capsys.readouterr().err == (f"[stack] error: 缺少系统软件包（missing_system_packages）：{names}；"
                                       f"无法自动安装（没有 apt-get）。请运行：apt-get install -y --no-install-recommends "
                                       f"{names}\n")


def test_make_up_and_make_test_install_them_before_anything_else():
    makefile = (Path(packages.PROJECT_ROOT) / "Makefile").read_text()
    assert "\nup: packages install\n" in makefile
    assert "\ntest: test-packages install\n" in makefile
    assert "\npackages:\n\t$(PYTHON) deploy/local/stack.py packages\n" in makefile
    assert "\ntest-packages:\n\t$(PYTHON) deploy/local/stack.py packages --tests\n" in makefile


def test_the_browser_test_fails_without_chromium_and_says_how_to_install_it(monkeypatch):
    from tests.e2e import test_public_page_browser as browser

    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(packages, "is_root", lambda: True)
    with pytest.raises(pytest.fail.Exception) as failed:
        browser.need_browser()
    assert str(failed.value) == ("缺少系统软件包（missing_system_packages）：chromium；没有 /nonexistent/chromium"
                                 "（make test 会先安装）。请运行：apt-get install -y --no-install-recommends chromium")


def test_the_distributions_python_without_venv_asks_for_python3_venv(monkeypatch):
    monkeypatch.setattr(packages.sys, "executable", "/usr/bin/python3")
    monkeypatch.setattr(packages.importlib.util, "find_spec", lambda name: None if name == "ensurepip" else object())
    assert packages.interpreter_packages() == ["python3-venv"]
    monkeypatch.setattr(packages.sys, "executable", "/opt/python/bin/python3")  # not apt's to complete
    assert packages.interpreter_packages() == []
