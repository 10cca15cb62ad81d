"""Sign-in limits kept in Redis (``CONGRESSFLOW_RATELIMIT_STORAGE_URI``): two server
processes share them, so a guesser cannot double their tries by being served by both.

Runs against the Redis server named by TEST_REDIS_URL (default redis://127.0.0.1:6379/15);
CI sets it and fails when it cannot be reached, a developer's machine without Redis skips."""

from __future__ import annotations

import os
import uuid

import pytest
from flask import Flask

from tests.web.test_signin_security import attempt, per_minute
from tests.world import PASSWORD, AppFactory

pytestmark = pytest.mark.slow  # left out of make test-fast

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("TEST_REDIS_URL"):
            pytest.fail(f"TEST_REDIS_URL={REDIS_URL} is not reachable: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


def test_two_processes_share_the_limits_through_redis(app: Flask, make_app: AppFactory, redis_url: str):
    """``app`` and a second app on the same database and Redis stand for two server processes."""
    prefix = f"cf-test-{uuid.uuid4().hex[:8]}"
    config = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix}
    first = make_app(app.config["DATABASE_URL"], **config)
    second = make_app(app.config["DATABASE_URL"], **config)
    limit = per_minute(first, "SIGNIN_LIMITS_PER_ACCOUNT")
    redis_client = pytest.importorskip("redis").Redis.from_url(redis_url)
    try:
        for i in range(limit):  # the tries alternate between the two processes
            served_by = (first if i % 2 else second).test_client()
            assert attempt(served_by, "office1", f"guess-{i}", f"10.1.0.{i}").status_code == 401
        assert attempt(first.test_client(), "office1", PASSWORD, "10.1.1.1").status_code == 429
        assert attempt(second.test_client(), "office1", PASSWORD, "10.1.1.2").status_code == 429
        # the counts are in Redis, where another process finds them, not in this one's memory
        assert any(b"office1" in key for key in redis_client.scan_iter(f"*{prefix}*"))
    finally:
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
