"""Environment-driven settings helpers.

Production differs from development only by environment variables (documented in `.env.example`).
Secrets that are missing are generated once into the var directory so a fresh `make run` works with no set-up;
they are never written into the repository.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path


def load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from a `.env` file into os.environ (existing variables win)."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip().strip('"').strip("'")
        if value:  # an empty value means "use the default", as in .env.example
            os.environ.setdefault(key.strip(), value)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_from_env_or_file(name: str, var_dir: Path, *, generator) -> str:
    """Return $NAME, or a value generated once into var_dir/NAME (mode 0600)."""
    value = os.environ.get(name)
    if value:
        return value
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / name.lower()
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = generator()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_field_key() -> str:
    """A key ring with one AES-256 key: `k1:<base64>`."""
    return "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


class CheckWhenIdle:
    """The pool's `check`: a connection handed out again within `seconds` of its last hand-out is given as it is; one
    that sat longer in the pool is first tried with an empty query (one round trip), and a broken one is dropped and
    another taken — so a connection the server or the network closed while it was idle (a restart, a fail-over
    during a quiet time, an idle timeout) never reaches a request. Under load a connection is reused within
    milliseconds and costs no check (what `CONN_HEALTH_CHECKS` costs on every request). 0 checks every hand-out."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, conn) -> None:
        import time

        from psycopg_pool import ConnectionPool

        now = time.monotonic()
        last = getattr(conn, "_pmip_handed_out", None)
        if last is None or now - last >= self.seconds:
            ConnectionPool.check_connection(conn)
        conn._pmip_handed_out = now

    def __eq__(self, other: object) -> bool:  # settings compared after a deep copy (override_settings)
        return isinstance(other, CheckWhenIdle) and other.seconds == self.seconds

    def __hash__(self) -> int:
        return hash(self.seconds)


def use_connection_pool(
    config: dict, *, min_size: int, max_size: int, timeout: float, check_idle: float
) -> None:
    """Serve a PostgreSQL alias from a pool in each process (Django's psycopg pool, `psycopg-pool`) instead of
    persistent connections: Django takes a connection from the pool at the first query of a request and gives it
    back at the end. A pool wants CONN_MAX_AGE 0, and its own check replaces the `SELECT 1` of CONN_HEALTH_CHECKS."""
    config["CONN_MAX_AGE"] = 0
    config["CONN_HEALTH_CHECKS"] = False
    config.setdefault("OPTIONS", {})["pool"] = {
        "min_size": min_size,
        "max_size": max(min_size, max_size),
        "timeout": timeout,
        "check": CheckWhenIdle(check_idle),
    }


def database_from_url(url: str, *, conn_max_age: int) -> dict:
    """dj-database-url's parse, plus libpq multi-host URLs (`host1:port1,host2:port2`): HOST and PORT become the
    comma-separated lists libpq takes, so `target_session_attrs` can pick the primary among them."""
    import urllib.parse

    import dj_database_url

    parsed = urllib.parse.urlsplit(url)
    netloc = parsed.netloc
    userinfo, _, hostlist = netloc.rpartition("@")
    if "," not in hostlist:
        return dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    hosts, ports = [], []
    for item in hostlist.split(","):
        host, _, port = item.partition(":")
        hosts.append(host)
        ports.append(port or "5432")
    single = parsed._replace(netloc=(userinfo + "@" if userinfo else "") + "placeholder").geturl()
    config = dj_database_url.parse(single, conn_max_age=conn_max_age, conn_health_checks=True)
    config["HOST"] = ",".join(hosts)
    config["PORT"] = ",".join(ports)
    return config
