"""Access-matrix world: an offline-verification evidence file and a house-information submission of the victim's
project (both through the services the owner pages and the office use)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from pmip.identity import offline
from pmip.identity.binding.supplementary import submit_house_info
from pmip.identity.models import OfflineVerification
from pmip.registry.models import Project
from tests.decisions.factories import PDF


def build(*, project: Project, application: OfflineVerification, verifier, applicant) -> dict[str, object]:
    """`verifier`: staff who verifies for the project (its committee); `applicant`: the owner who applied."""
    [evidence] = offline.add_evidence(
        actor=verifier,
        application_id=application.pk,
        files={"title_proof": SimpleUploadedFile("产权证.pdf", PDF, content_type="application/pdf")},
    )
    submission = submit_house_info(
        actor=applicant,
        subdistrict_id=project.subdistrict_id,
        project_name=project.name,
        address="钱申请的住址",
        building_number="9",
        unit_number="901",
    )
    return {"evidence": evidence.pk, "house_submission": submission.pk}
