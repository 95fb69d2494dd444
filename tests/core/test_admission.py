"""Admission control: a full worker refuses the excess at once with 503 + Retry-After, never health checks."""

from __future__ import annotations

import threading
import time

from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from pmip.core.admission import AdmissionMiddleware

rf = RequestFactory()


def blocking_app(entered: threading.Event, release: threading.Event):
    def view(request):
        entered.set()
        release.wait(5)
        return HttpResponse("ok")

    return view


@override_settings(
    PMIP_ADMISSION_CONCURRENCY=1, PMIP_ADMISSION_QUEUE_SECONDS=0.05, PMIP_ADMISSION_RETRY_AFTER=3
)
def test_a_full_worker_refuses_the_excess_fast_and_serves_again_after():
    entered, release = threading.Event(), threading.Event()
    mw = AdmissionMiddleware(blocking_app(entered, release))
    first: list = []
    t = threading.Thread(target=lambda: first.append(mw(rf.get("/property/projects"))))
    t.start()
    assert entered.wait(5)
    started = time.monotonic()
    refused = mw(rf.get("/property/projects"))
    assert time.monotonic() - started < 1
    assert refused.status_code == 503
    assert refused["Retry-After"] == "3"
    assert refused["Content-Type"].startswith("application/problem+json")
    assert "系统繁忙" in refused.content.decode()
    health = mw(rf.get("/healthz"))  # never refused: the load balancer must not take a busy node for dead
    assert health.status_code == 200
    release.set()
    t.join(5)
    assert first[0].status_code == 200
    assert mw(rf.get("/property/projects")).status_code == 200  # the place was given back


@override_settings(PMIP_ADMISSION_CONCURRENCY=4, PMIP_ADMISSION_QUEUE_SECONDS=0.5)
def test_a_request_that_queued_too_long_at_the_proxy_is_refused_without_work():
    calls = []
    mw = AdmissionMiddleware(lambda request: calls.append(1) or HttpResponse("ok"))
    stale = int((time.time() - 2) * 1_000_000)
    assert mw(rf.get("/", HTTP_X_REQUEST_START=f"t={stale}")).status_code == 503
    fresh = int(time.time() * 1_000_000)
    assert mw(rf.get("/", HTTP_X_REQUEST_START=f"t={fresh}")).status_code == 200
    assert mw(rf.get("/", HTTP_X_REQUEST_START="t=garbage")).status_code == 200
    assert calls == [1, 1]


@override_settings(PMIP_ADMISSION_CONCURRENCY=0)
def test_zero_turns_admission_control_off():
    mw = AdmissionMiddleware(lambda request: HttpResponse("ok"))
    assert mw.slots is None
    assert mw(rf.get("/")).status_code == 200


@override_settings(
    PMIP_ADMISSION_CONCURRENCY=1, PMIP_ADMISSION_QUEUE_SECONDS=5, PMIP_ADMISSION_QUEUE_LENGTH=1
)
def test_past_the_queue_length_the_excess_is_refused_at_once_not_after_the_queue_time():
    entered, release = threading.Event(), threading.Event()
    mw = AdmissionMiddleware(blocking_app(entered, release))
    results: list = []
    busy = threading.Thread(target=lambda: results.append(mw(rf.get("/a"))))
    busy.start()
    assert entered.wait(5)
    waiter = threading.Thread(target=lambda: results.append(mw(rf.get("/b"))))
    waiter.start()
    deadline = time.monotonic() + 5
    while mw.waiting < 1 and time.monotonic() < deadline:  # the second request waits for the place
        time.sleep(0.005)
    assert mw.waiting == 1
    started = time.monotonic()
    refused = mw(rf.get("/c"))  # the queue is full: no waiting the 5 s queue time
    assert time.monotonic() - started < 1
    assert refused.status_code == 503 and refused["Retry-After"]
    release.set()
    busy.join(5)
    waiter.join(5)
    assert [r.status_code for r in results] == [
        200,
        200,
    ]  # the waiting request got the place when it was freed
    assert mw.waiting == 0
