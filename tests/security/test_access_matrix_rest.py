"""The non-funds rows of the access matrix added for issue 8 (evidence, house submissions, tendering, weather,
evaluation, rankings and open data, credit, enquiries), seen from the other side: each URL really reaches the
victim's object for someone entitled to it, so a 404 in the matrix means "refused", not "no such object"."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from pmip.identity.models import Account, HouseBinding, OfflineVerification, ScopeLevel
from pmip.registry.models import Project
from tests import factories as base
from tests.decisions import factories as f
from tests.security.test_access_matrix import DENIED, MATRIX, _body, _fill, _routes, _world

# route → who is entitled (and tried): the owner who made it, the applicant, the project's committee (verifier and
# tender manager), the property company's manager (replies), the victim district's credit office, the victim's
# subdistrict office, the city (the matrix's read-only city clerk), anyone.
ENTITLED = {
    "office_verification:evidence_file": "committee",
    "office_verification:house_detail": "subdistrict",
    "portal_delegation:offline_evidence": "applicant",
    **{
        f"office_tendering:{n}": "committee"
        for n in ("detail", "record_step", "correct_step", "add_bidder", "upload_document", "document")
    },
    "api:office_tender": "city",
    "api:office_record_step": "committee",
    "api:owner_tender": "victim",
    "portal_tendering:detail": "victim",
    "portal_tendering:document": "victim",
    "office_weather:done": "manager",
    "api:project_evaluations": "victim",
    "api:reply": "manager",
    "api:edit": "manager",
    "office_evaluation:reply": "manager",
    **{f"portal_evaluation:{n}": "victim" for n in ("targets", "rate", "details", "stats")},
    **{f"api:{n}": "anonymous" for n in ("open_ranking", "open_scores", "open_scores_csv", "ranking_page")},
    "api:add_entry": "credit_office",
    "api:decide": "credit_office",
    "office_credit:subject": "credit_office",
    "office_credit:dispute": "credit_office",
    **{
        n: "anonymous"
        for n in (
            "api:credit_subject",
            "portal_public:credit_subject",
            "portal_public:service_evaluation_detail",
            "api:company",
            "portal_public:company",
        )
    },
    **{f"office_enquiries:{n}": "subdistrict" for n in ("detail", "act", "image")},
    **{f"portal_enquiries:{n}": "victim" for n in ("detail", "act", "image", "index", "new")},
}
# Routes that answer POST (or PUT) only: tried with one by the entitled (API: with the row's body, which must act).
POSTS = {
    "office_tendering:record_step",
    "office_tendering:correct_step",
    "office_tendering:add_bidder",
    "office_tendering:upload_document",
    "api:office_record_step",
    "api:reply",
    "api:edit",
    "office_weather:done",
    "api:add_entry",
    "api:decide",
    "office_enquiries:act",
    "portal_enquiries:act",
}


def _owner(account) -> Client:
    c = Client()
    c.force_login(account, backend="django.contrib.auth.backends.ModelBackend")
    return c


def _staff(account) -> Client:
    c = Client()
    base.login_staff(c, account)
    return c


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media", "quiet_request_log")
def test_every_row_reaches_the_victims_object_for_those_entitled():
    world = _world()
    routes = _routes()
    assert set(ENTITLED) <= set(MATRIX)
    project = Project.objects.get(code=world.ids["code"])
    clients = {
        "victim": _owner(HouseBinding.objects.get(pk=world.ids["binding"]).account),
        "applicant": _owner(OfflineVerification.objects.get(pk=world.ids["offline"]).account),
        "committee": _staff(Account.objects.get(username="victim_convener")),
        "manager": _staff(Account.objects.get(username="victim_manager")),
        "credit_office": _staff(Account.objects.get(username="victim_credit")),
        "subdistrict": _staff(
            f.staff(
                "victim_sub", level=ScopeLevel.SUBDISTRICT, subdistrict=project.subdistrict, can_edit=True
            )
        ),
        "city": world.actors["city"],
        "anonymous": Client(),
    }
    wrong = []
    for name, who in sorted(ENTITLED.items()):
        row = MATRIX[name]
        url = _fill(routes[name], row.params, world.ids)
        client = clients[who]
        if name not in POSTS:
            response = client.get(url)
            ok = response.status_code == 200
        elif url.startswith("/api/"):
            body = json.dumps(_body(row.body or {}, world.ids))
            response = client.post(url, body, content_type="application/json")
            if response.status_code not in (200, 201):  # the reply exists already: its edit is the PUT
                response = client.put(url, body, content_type="application/json")
            ok = response.status_code in (200, 201)
        else:
            response = client.post(url, {})
            ok = response.status_code not in DENIED and response.status_code < 500
        if not ok:
            wrong.append(
                f"{who} {response.request['REQUEST_METHOD']} {url} ({name}) → {response.status_code}"
            )
    assert wrong == [], "\n".join(wrong)
