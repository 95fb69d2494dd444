"""Access-matrix world: a tender of the victim's project with a bidder, its first step and a document (recorded by
the project's committee through the tendering services)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from pmip.core import clock
from pmip.registry.models import Project, PropertyCompany
from pmip.tendering import services
from pmip.tendering.choices import Step, TendererKind, TenderMethod
from tests.decisions.factories import PDF


def build(*, project: Project, manager) -> dict[str, object]:
    """`manager`: staff who records tenders for the project (its committee)."""
    bidder = PropertyCompany.objects.create(name="丙物业", credit_code="91440300MA5F0000C1", phone="3")
    tender = services.create_tender(
        actor=manager,
        project_id=project.pk,
        title="海岸城小区物业服务招标",
        tenderer_kind=TendererKind.DEVELOPER,
        method=TenderMethod.PUBLIC,
    )
    services.add_bidder(actor=manager, tender_id=tender.pk, credit_code=bidder.credit_code)
    step = services.record_step(actor=manager, tender_id=tender.pk, step=Step.TENDER, date=clock.today())
    document = services.upload_document(
        actor=manager,
        step_id=step.pk,
        title="招标公告",
        upload=SimpleUploadedFile("招标公告.pdf", PDF, content_type="application/pdf"),
    )
    return {"tender": tender.pk, "tender_document": document.pk}
