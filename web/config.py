"""Configuration defaults. Every key can be set from the environment with the
``CONGRESSFLOW_`` prefix (e.g. ``CONGRESSFLOW_DATABASE_URL``). The scheduler's keys
(``SCHEDULER_*``: its window, its reads, its standby's tries, how often the active one re-checks
the database's schema, ``SCHEDULER_SCHEMA_RECHECK_SECONDS``) are read in web/scheduling.py, with
the defaults of engine.scheduling.service.SchedulerConfig; every key's value is checked at
start in web/configuration.py."""

from __future__ import annotations


class Defaults:
    DATABASE_URL = ""  # empty: SQLite file in the instance folder
    SECRET_KEY = ""  # empty: generated once into the instance folder
    BPMN_DIR = ""  # empty: the repository's bpmn/ folder
    PROXY_HOPS = 0  # reverse proxies in front whose X-Forwarded-* headers are trusted (web/__init__.py)
    # workflows of recently moved cases each process keeps, not to parse their JSON again
    # (engine/usecases/workflow_cache.py); 0: none
    WORKFLOW_CACHE_SIZE = 500


# Whoever knows the secret key signs a session cookie for any account, an administrator's
# included: a value copied from a sample or a guessable word is no key. 32 characters: 128
# bits as hexadecimal, half of what ``secrets.token_hex(32)`` makes.
MIN_SECRET_KEY_LENGTH = 32
PLACEHOLDER_SECRET_KEYS = frozenset(
    {"change-me", "changeme", "change_me", "secret", "secret-key", "secret_key", "dev", "development", "test"}
)
HOW_TO_MAKE_A_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def secret_key_weakness(key: str | bytes) -> str | None:
    """Why ``key`` must not sign sessions (a sentence's predicate), or None when it may."""
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
    if text.strip().lower() in PLACEHOLDER_SECRET_KEYS:
        return "is a placeholder"
    if len(text) < MIN_SECRET_KEY_LENGTH:
        return f"is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    return None
