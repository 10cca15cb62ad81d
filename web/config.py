"""Configuration defaults. Every key can be set from the environment with the
``CONGRESSFLOW_`` prefix (e.g. ``CONGRESSFLOW_DATABASE_URL``)."""


class Defaults:
    DATABASE_URL = ""  # empty: SQLite file in the instance folder
    SECRET_KEY = ""  # empty: generated once into the instance folder
    BPMN_DIR = ""  # empty: the repository's bpmn/ folder
    PROXY_HOPS = 0  # reverse proxies in front whose X-Forwarded-* headers are trusted (web/__init__.py)
    # workflows of recently moved cases each process keeps, not to parse their JSON again
    # (engine/usecases/workflow_cache.py); 0: none
    WORKFLOW_CACHE_SIZE = 500
