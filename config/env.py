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
