"""The root crontab.template and jobs.yaml are the packaged ones, and the wheel ships them.

The repository root keeps both files where an operator looks first; the package reads its own
copies (``riotjobs/schedule/crontab.template``, ``riotjobs/jobs.yaml``). The root files are
symlinks, but a checkout without symlink support (or a careless edit) would turn them into
copies that drift apart, so the bytes are compared.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from riotjobs.schedule import crontext

ROOT = Path(__file__).resolve().parents[2]
# root file -> (package, file inside it)
SHIPPED = {
    "crontab.template": ("riotjobs.schedule", "crontab.template"),
    "jobs.yaml": ("riotjobs", "jobs.yaml"),
}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_root_file_is_the_packaged_one(name: str) -> None:
    package, inner = SHIPPED[name]
    packaged = resources.files(package) / inner
    assert (ROOT / name).read_bytes() == packaged.read_bytes()


def test_cron_renders_from_the_packaged_template() -> None:
    packaged = resources.files("riotjobs.schedule") / "crontab.template"
    assert crontext.template_path().read_bytes() == packaged.read_bytes()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_package_data_lists_the_file(name: str) -> None:
    package, inner = SHIPPED[name]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = config["tool"]["setuptools"]["package-data"]["riotjobs"]
    relative = "/".join([*package.split(".")[1:], inner])
    assert relative in data
