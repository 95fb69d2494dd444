"""Title registry (产权登记) look-up: which units does this person hold?

`lookup(name, id_type, id_number)` returns the current title records whose holder has exactly this name and this ID
number. Backends (`PMIP_TITLE_REGISTRY_BACKEND`):

- "embedded" (default): the platform's own TitleRecord table (blind-index look-up, `current()` records only), in
  pmip.registry.title_lookup next to the data it reads (named by path: integrations sit below the registry).
- "http": the registry's JSON service. `POST PMIP_TITLE_REGISTRY_URL` with
  `{"name": "张三", "id_type": "mainland", "id_number": "…"}` (and `Authorization: Bearer PMIP_TITLE_REGISTRY_TOKEN`
  when set) answers `200 {"records": [{"project_code", "building_number", "unit_number", "holder_name", "share",
  "certificate_no"}]}`. Timeouts, connection errors, 5xx and malformed answers raise RegistryUnavailable.

Whatever the backend, `get_title_registry()` wraps it in a bounded-concurrency guard: at most
`PMIP_TITLE_REGISTRY_MAX_CONCURRENCY` look-ups run at once in a process; the next one is refused at once with
RegistryUnavailable ("系统繁忙，请稍后再试") instead of queueing, so a flood of bindings cannot tie up every web worker.

ID numbers are never logged: only the masked form.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import httpx
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from pmip.core.conf import pmip_settings, secret
from pmip.core.errors import ServiceUnavailable
from pmip.core.masking import mask_id

log = logging.getLogger(__name__)
# The stand-in reading the platform's own title records (pmip.registry imports this module, not the other way).
EMBEDDED_REGISTRY = "pmip.registry.title_lookup.EmbeddedTitleRegistry"


class RegistryUnavailable(ServiceUnavailable):
    """The registry could not answer now (busy, slow, down). The owner's manual wording."""

    code = "registry_unavailable"

    def __init__(self, message: str = "查询产权数据错误：系统繁忙，请稍后再试。", **kwargs):
        super().__init__(message, **kwargs)


@dataclass(frozen=True)
class TitleHit:
    """One current title: the unit (by project code, building number, unit number) and the holder's part."""

    project_code: str
    building_number: str
    unit_number: str
    holder_name: str
    share: Decimal
    certificate_no: str = ""
    # The platform's own ids of the unit and the title record, when the registry is the platform's own table (the
    # embedded stand-in): the binding look-up then need not find the units again. Not part of the registry's answer
    # (not compared); None from a remote registry.
    unit_id: int | None = field(default=None, compare=False)
    title_record_id: int | None = field(default=None, compare=False)


class TitleRegistry(Protocol):
    def lookup(self, name: str, id_type: str, id_number: str) -> list[TitleHit]:
        """Current titles held by exactly this name and ID. Raises RegistryUnavailable."""


_client_lock = threading.Lock()
_shared_client: httpx.Client | None = None


def _http_client() -> httpx.Client:
    """One connection-pooling client per process (building a client per call costs an SSL context each time)."""
    global _shared_client
    if _shared_client is None:
        with _client_lock:
            if _shared_client is None:
                _shared_client = httpx.Client()
    return _shared_client


class HttpTitleRegistry:
    """The registry's JSON look-up service."""

    def __init__(self, *, url: str, timeout: float = 3.0, token: str = ""):
        self.url = url
        self.timeout = timeout
        self._token = token

    def __repr__(self) -> str:
        return f"HttpTitleRegistry(url={self.url!r}, timeout={self.timeout!r})"

    @classmethod
    def from_settings(cls) -> HttpTitleRegistry:
        url = pmip_settings().title_registry_url
        if not url:
            raise ImproperlyConfigured(
                "PMIP_TITLE_REGISTRY_URL must be set when PMIP_TITLE_REGISTRY_BACKEND=http"
            )
        token = secret("title_registry_token")
        return cls(url=url, timeout=float(pmip_settings().title_registry_timeout), token=token)

    def lookup(self, name: str, id_type: str, id_number: str) -> list[TitleHit]:
        masked = mask_id(id_number)
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = _http_client().post(
                self.url,
                json={"name": name, "id_type": id_type, "id_number": id_number},
                headers=headers,
                timeout=self.timeout,
            )
        except httpx.TimeoutException as exc:
            log.warning("title registry timed out for %s %s", id_type, masked)
            raise RegistryUnavailable() from exc
        except httpx.HTTPError as exc:
            log.warning("title registry unreachable for %s %s: %s", id_type, masked, type(exc).__name__)
            raise RegistryUnavailable() from exc
        if response.status_code != 200:
            level = logging.WARNING if response.status_code >= 500 else logging.ERROR
            log.log(level, "title registry answered HTTP %s for %s %s", response.status_code, id_type, masked)
            raise RegistryUnavailable()
        try:
            return [self._hit(item) for item in response.json()["records"]]
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            log.error("title registry answered a malformed body for %s %s", id_type, masked)
            raise RegistryUnavailable() from exc

    @staticmethod
    def _hit(item: dict[str, Any]) -> TitleHit:
        share = Decimal(str(item["share"]))
        if not (Decimal("0") < share <= Decimal("1")):
            raise ValueError("share out of range")
        return TitleHit(
            project_code=str(item["project_code"]),
            building_number=str(item["building_number"]),
            unit_number=str(item["unit_number"]),
            holder_name=str(item["holder_name"]),
            share=share,
            certificate_no=str(item.get("certificate_no") or ""),
        )


class BoundedTitleRegistry:
    """At most N look-ups at once through `inner`; the N+1th is refused at once (or after `acquire_timeout`)."""

    def __init__(
        self, inner: TitleRegistry, *, slots: threading.BoundedSemaphore, acquire_timeout: float = 0.0
    ):
        self.inner = inner
        self.slots = slots
        self.acquire_timeout = acquire_timeout

    def lookup(self, name: str, id_type: str, id_number: str) -> list[TitleHit]:
        with self.reserved() as inner:
            return inner.lookup(name, id_type, id_number)

    @contextlib.contextmanager
    def reserved(self) -> Iterator[TitleRegistry]:
        """Hold one slot for the block and give the unguarded registry to look up with; RegistryUnavailable at
        once (or after `acquire_timeout`) when every slot is taken. A caller takes the slot *before* its own work
        for the look-up (loading and decrypting the identity, the audit entry), so a refusal costs none of it."""
        acquired = (
            self.slots.acquire(timeout=self.acquire_timeout)
            if self.acquire_timeout > 0
            else self.slots.acquire(blocking=False)
        )
        if not acquired:
            raise RegistryUnavailable()
        try:
            yield self.inner
        finally:
            self.slots.release()

    def saturated(self) -> bool:
        """True when every slot is taken right now: a look-up would be refused (a hint, checked again by
        `lookup`). Used to refuse a flood before any other work (pmip.identity.flood)."""
        if self.acquire_timeout > 0:
            return False  # look-ups may wait for a slot: nothing to refuse early
        if not self.slots.acquire(blocking=False):
            return True
        self.slots.release()
        return False


def reserved(registry: TitleRegistry) -> contextlib.AbstractContextManager[TitleRegistry]:
    """`registry.reserved()` for a guarded registry; a registry without a guard (a test double) as it is."""
    reserve = getattr(registry, "reserved", None)
    return reserve() if reserve is not None else contextlib.nullcontext(registry)


_semaphores: dict[str, threading.BoundedSemaphore] = {}
_semaphores_lock = threading.Lock()


def process_slots(size: int, *, name: str = "title-registry") -> threading.BoundedSemaphore:
    """The process-wide semaphore of this size (one per name and size, created once)."""
    if size < 1:
        raise ImproperlyConfigured("PMIP_TITLE_REGISTRY_MAX_CONCURRENCY must be at least 1")
    key = f"{name}:{size}"
    with _semaphores_lock:
        if key not in _semaphores:
            _semaphores[key] = threading.BoundedSemaphore(size)
        return _semaphores[key]


def get_title_registry() -> TitleRegistry:
    name = pmip_settings().title_registry_backend
    if name == "embedded":
        inner: TitleRegistry = import_string(EMBEDDED_REGISTRY)()
    elif name == "http":
        inner = HttpTitleRegistry.from_settings()
    else:
        raise ImproperlyConfigured(f"unknown PMIP_TITLE_REGISTRY_BACKEND {name!r}")
    return BoundedTitleRegistry(
        inner,
        slots=process_slots(int(pmip_settings().title_registry_max_concurrency)),
        acquire_timeout=float(pmip_settings().title_registry_acquire_timeout),
    )
