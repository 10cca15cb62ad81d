"""web/gunicorn_conf.py's ``ConnectionShares``: which gunicorn worker may take a new
keep-alive connection. A worker takes one only while it holds no more than every other live
worker; a worker booting (no heartbeat yet), gone (its slot released) or stuck (no heartbeat
for 3 s) does not count, so it can never keep the others from accepting."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from tests.conftest import REPO_ROOT


@pytest.fixture
def conf(monkeypatch, tmp_path):
    # the metrics folder given, so loading the configuration makes none of its own
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", REPO_ROOT / "web" / "gunicorn_conf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    clock = SimpleNamespace(now=1_000.0)
    monkeypatch.setattr(module, "time", SimpleNamespace(monotonic=lambda: clock.now))
    module.clock = clock
    return module


def test_a_worker_takes_connections_only_while_it_holds_no_more_than_the_others(conf):
    shares = conf.ConnectionShares()
    first, second, third = shares.reserve(), shares.reserve(), shares.reserve()
    assert (first, second, third) == (0, 1, 2)
    shares.publish(first, 3)
    shares.publish(second, 2)
    shares.publish(third, 2)
    assert not shares.may_take(first, 3)
    assert shares.may_take(second, 2) and shares.may_take(third, 2)  # a tie: either may
    shares.publish(second, 3)
    assert shares.may_take(third, 2) and not shares.may_take(second, 3)


def test_a_worker_booting_gone_or_stuck_does_not_count(conf):
    shares = conf.ConnectionShares()
    busy, booting = shares.reserve(), shares.reserve()
    shares.publish(busy, 5)
    assert shares.may_take(busy, 5)  # the other has not published yet: still loading the app
    shares.publish(booting, 0)
    assert not shares.may_take(busy, 5)
    conf.clock.now += 3.5  # the other's last heartbeat is older than 3 s: stuck
    shares.publish(busy, 5)
    assert shares.may_take(busy, 5)
    shares.publish(booting, 0)
    shares.release(booting)  # its process ended: the arbiter freed the slot
    assert shares.may_take(busy, 5)
    assert shares.reserve() == booting  # and hands it to the next worker, as not yet published
    assert shares.may_take(busy, 5)


def test_a_worker_alone_always_may(conf):
    shares = conf.ConnectionShares()
    only = shares.reserve()
    shares.publish(only, 40)
    assert shares.may_take(only, 40)


def test_a_free_slot_never_counts_even_just_after_the_machine_booted(conf):
    conf.clock.now = 1.0  # the monotonic clock counts from boot: 1 s in, "3 s ago" is before it
    shares = conf.ConnectionShares()
    serving, _booting = shares.reserve(), shares.reserve()
    shares.publish(serving, 2)
    assert shares.may_take(serving, 2)
