"""requirements/lock.txt is the environment the tests run in: compiled from setup.cfg
(``make lock``), it pins every runtime and test dependency, and ``make setup`` installs it."""

from __future__ import annotations

from importlib import metadata

from packaging.utils import canonicalize_name

from .conftest import build_requirements, declared_requirements, locked


def _pins_here() -> dict[str, str]:
    """The pins whose markers hold on this interpreter and platform."""
    pins: dict[str, str] = {}
    for req in locked():
        if req.marker is None or req.marker.evaluate():
            (spec,) = req.specifier
            assert spec.operator == "==", f"{req} is not pinned"
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_every_declared_dependency_is_locked_within_its_range():
    pins = _pins_here()
    for group, requirements in declared_requirements().items():
        for req in requirements:
            name = canonicalize_name(req.name)
            assert name in pins, f"{req} ({group or 'install_requires'}) is not in the lock: run make lock"
            assert req.specifier.contains(pins[name]), (
                f"the lock pins {name}=={pins[name]}, outside setup.cfg's {req}: run make lock"
            )


def test_every_declared_dependency_is_capped_below_a_release_nobody_tested():
    for group, requirements in declared_requirements().items():
        for req in requirements:
            assert any(s.operator in ("<", "<=", "==", "~=") for s in req.specifier), (
                f"{req} ({group or 'install_requires'}) has no upper bound"
            )


def test_the_locked_setuptools_builds_the_package():
    pins = _pins_here()
    for req in build_requirements():
        assert req.specifier.contains(pins[canonicalize_name(req.name)]), (
            f"pyproject.toml's build requirement {req} does not admit the locked version"
        )


def test_the_tests_run_with_the_locked_versions():
    """make setup installs with the lock as constraints, so what runs here is what is locked."""
    wrong = {}
    for name, version in _pins_here().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = f"locked {version}, installed {installed}"
    assert not wrong, f"this environment is not the locked one (run make setup): {wrong}"
