"""The advisory lock's key for a name is the same in every process (every web worker, the
scheduler): Python's ``hash()`` of a string is salted per process and would not be."""

from __future__ import annotations

import os
import subprocess
import sys

from storage.advisory_locks import advisory_key

NAMES = ("business_key", "review", "2026-审-031")


def test_the_key_is_the_same_in_another_process_with_another_hash_seed():
    code = f"from storage.advisory_locks import advisory_key; print(advisory_key(*{NAMES!r}))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(other.stdout) == advisory_key(*NAMES)


def test_the_key_is_a_bigint_and_tells_the_names_apart():
    key = advisory_key(*NAMES)
    assert -(2**63) <= key < 2**63
    assert advisory_key("business_key", "review", "2026-审-032") != key
    assert advisory_key("a|b", "c") != advisory_key("a", "b|c")  # where the names part counts
    assert advisory_key("business_key", "petition_min", "2026-审-031") != key
