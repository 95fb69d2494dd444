"""/readyz and /metrics (mounted in config/urls.py beside /healthz)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from pmip.ops import metrics, readiness


@require_GET
def readyz(request):
    result = readiness.check()
    body = {"ready": result.ready, "checks": result.checks}
    if result.replica_lag_seconds is not None:
        body["replica_lag_seconds"] = round(result.replica_lag_seconds, 3)
    return JsonResponse(body, status=200 if result.ready else 503, json_dumps_params={"ensure_ascii": False})


@require_GET
def metrics_view(request):
    token = settings.PMIP_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("metrics token required\n", status=401, content_type="text/plain")
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)
