"""What the packaging tests share: the checkout's packaging files, read as data."""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCK = REPO_ROOT / "requirements" / "lock.txt"


def pytest_configure(config: pytest.Config) -> None:
    """``slow`` is registered in setup.cfg; register it here too should this folder run alone
    against a setup.cfg without it (``--strict-markers``)."""
    if not any(line.split(":")[0].strip() == "slow" for line in config.getini("markers")):
        config.addinivalue_line("markers", "slow: takes seconds")


def declared_requirements() -> dict[str, list[Requirement]]:
    """setup.cfg's install_requires and each extra, by group name ("" for install_requires)."""
    cfg = configparser.ConfigParser()
    cfg.read(REPO_ROOT / "setup.cfg", encoding="utf-8")
    groups = {"": cfg["options"]["install_requires"]}
    groups.update(cfg["options.extras_require"])
    return {
        name: [Requirement(line) for line in text.splitlines() if line.strip() and not line.startswith("#")]
        for name, text in groups.items()
    }


def locked() -> list[Requirement]:
    """Every pin of the lock file (a package may appear twice, under exclusive markers)."""
    lines = [line.strip() for line in LOCK.read_text(encoding="utf-8").splitlines()]
    return [Requirement(line) for line in lines if line and not line.startswith(("#", "-"))]


def build_requirements() -> list[Requirement]:
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(r) for r in data["build-system"]["requires"]]
