from django.contrib import admin
from django.http import HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from pmip.api.urls import api
from pmip.ops import views as ops_views
from pmip.portal import audit_chain


def healthz(request):
    """Liveness probe; also the bare-Django baseline of the benchmarks."""
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico when a page names no icon (error pages, files): send them to the site's one."""
    return HttpResponseRedirect(static("pmip/favicon.svg"))


urlpatterns = [
    path("healthz", healthz),
    path("favicon.ico", favicon),
    path("readyz", ops_views.readyz),
    path("metrics", ops_views.metrics_view),
    path("ops/", admin.site.urls),
    path("office/verification/", include("pmip.office.verification.urls")),
    path("office/decisions/", include("pmip.office.decisions.urls")),
    path("office/funds/", include("pmip.office.funds.urls")),
    path("office/calendar/", include("pmip.office.calendar.urls")),
    path("office/tendering/", include("pmip.office.tendering.urls")),
    path("office/weather/", include("pmip.office.weather.urls")),
    path("office/enquiries/", include("pmip.office.enquiries.urls")),
    path("office/evaluation/", include("pmip.office.evaluation.urls")),
    path("office/credit/", include("pmip.office.credit.urls")),
    path("office/jobs/", include("pmip.office.jobs.urls")),
    path("office/", include("pmip.office.urls")),
    path("api/v1/", api.urls),
    path("captcha/", include("captcha.urls")),
    path("audit/chain/", audit_chain.page, name="audit_chain"),
    path("audit/chain.json", audit_chain.open_data, name="audit_chain_json"),
    path("me/messages/", include("pmip.portal.inbox.urls")),
    path("me/", include("pmip.portal.account.urls")),
    path("delegation/", include("pmip.portal.delegation.urls")),
    path("decisions/", include("pmip.portal.decisions.urls")),
    path("funds/", include("pmip.portal.funds.urls")),
    path("tendering/", include("pmip.portal.tendering.urls")),
    path("weather/", include("pmip.portal.weather.urls")),
    path("enquiries/", include("pmip.portal.enquiries.urls")),
    path("evaluation/", include("pmip.portal.evaluation.urls")),
    path("public/", include("pmip.portal.public.urls")),
    path("credit/", include("pmip.portal.credit.urls")),
    path("", include("pmip.portal.urls")),
]
