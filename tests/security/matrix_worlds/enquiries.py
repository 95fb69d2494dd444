"""Access-matrix world: an enquiry of the victim with an image, sent to the victim's subdistrict office (a complaint:
handled first by the subdistrict), through the enquiries service the owner pages use."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pmip.enquiries import services
from pmip.enquiries.models import EnquiryImage
from pmip.registry.models import Project


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("现场.png", buffer.getvalue(), content_type="image/png")


def build(*, project: Project, asker) -> dict[str, object]:
    enquiry = services.open_enquiry(
        actor=asker,
        channel="community",
        category="complain",
        title="您的投诉",
        text="陈受害的投诉内容",
        project_id=project.pk,
        images=[_png()],
    )
    return {
        "enquiry_with_image": enquiry.pk,
        "enquiry_image": EnquiryImage.objects.get(enquiry=enquiry).pk,
        "channel": "community",
        "owner_action": "withdraw",
        "office_action": "answer",
    }
