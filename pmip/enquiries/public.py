"""常见问答 / 公开答复: answered 政民互动 enquiries published, anonymised, with the asker's consent.

- The asker consents when asking (`public_consent`) and may withdraw or give consent later (`set_consent`);
  withdrawing after publication takes the published copy down at once.
- The office that answered (the level handling the enquiry) publishes it (`publish`): a copy with no asker, no
  phone, no unit, masked names and numbers (`anonymise`, applied to the office's edited text too), never the
  enquiry itself. The office may take it down (`take_down`). Every step is audited; the asker is told.
- The public reads `published()` only: a page, the API and open data (CSV).
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Q, QuerySet

from pmip.audit.services import record
from pmip.core import clock
from pmip.core.errors import NotFound, ValidationFailed
from pmip.core.masking import mask_name
from pmip.core.text import clean_text
from pmip.enquiries.models import Channel, Enquiry, EnquiryMessage, PublicAnswer, State
from pmip.enquiries.services import TEXT_MAX, TITLE_MAX, _handled, _tell_asker, office_label

REASON_MAX = 200
PHONE = "【电话已隐去】"
ID = "【证件号码已隐去】"
ROOM = "【房号已隐去】"
EMAIL = "【邮箱已隐去】"
PLATE = "【车牌已隐去】"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII), EMAIL),
    (re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}\d{7}[0-9Xx](?![0-9A-Za-z])"), ID),
    (re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])"), ID),
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d){8}(?!\d)"), PHONE),
    (re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"), PHONE),
    (re.compile(r"(?<!\d)\d{7,8}(?!\d)"), PHONE),
    (
        re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}"),
        PLATE,
    ),
    # rooms: 3栋1201, 3座2单元1201室, 5号楼302, 2单元301, 1201室, 3-2-1201, 1-101
    (
        re.compile(
            r"[0-9A-Za-z一二三四五六七八九十]+\s*(?:栋|座|幢|号楼|期)\s*(?:[0-9A-Za-z一二三四五六七八九十]+\s*单元)?"
            r"\s*(?:\d+\s*(?:室|房|号)?)?"
        ),
        ROOM,
    ),
    (re.compile(r"\d+\s*单元\s*\d*\s*(?:室|房|号)?"), ROOM),
    (re.compile(r"(?<![\d-])\d{1,3}(?:-\d{1,4}){1,2}(?![\d-])"), ROOM),
    (re.compile(r"\d{3,5}\s*(?:室|房|号房)"), ROOM),
    # a surname with a form of address: 王先生 → 某先生
    (
        re.compile(r"(?:欧阳|司马|上官|诸葛|[\u4e00-\u9fa5])(先生|女士|小姐|阿姨|师傅|大爷|老师|经理|主任)"),
        r"某\1",
    ),
)


def anonymise(text: str, *, names: tuple[str, ...] = ()) -> str:
    """`text` without what points at a person: the given names masked (张* / 欧阳**), e-mail addresses, ID
    numbers, phone numbers, car plates and room numbers replaced by a plain note, 王先生 → 某先生."""
    out = text or ""
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        out = out.replace(name, mask_name(name))
    for pattern, replacement in _PATTERNS:
        out = pattern.sub(replacement, out)
    return out


def _names(enquiry: Enquiry) -> tuple[str, ...]:
    names = [enquiry.asker.display_name]
    from pmip.identity.models import HouseBinding

    holders = (
        HouseBinding.objects.filter(account=enquiry.asker)
        .values_list("unit__titles__holder_name", flat=True)
        .distinct()[:20]
    )
    names.extend(h for h in holders if h)
    return tuple(n for n in names if n)


def _answer_text(enquiry: Enquiry) -> str:
    last = enquiry.messages.filter(role=EnquiryMessage.Role.OFFICE).order_by("-created_at", "-id").first()
    return last.text if last else ""


def draft(enquiry: Enquiry) -> dict[str, str]:
    """The anonymised copy the office starts from (and may edit before publishing)."""
    names = _names(enquiry)
    return {
        "title": anonymise(enquiry.title, names=names)[:TITLE_MAX],
        "question": anonymise(enquiry.text, names=names),
        "answer": anonymise(_answer_text(enquiry), names=names),
    }


def publishable(enquiry: Enquiry) -> str:
    """'' when the office may publish `enquiry` now, else why not (plain words for the page)."""
    if enquiry.channel != Channel.GOVERNMENT:
        return "只有政民互动的问答可以公开。"
    if enquiry.state not in (State.ANSWERED, State.CLOSED):
        return "答复后才能公开。"
    if not enquiry.public_consent:
        return "提问人未同意公开。"
    if PublicAnswer.objects.filter(enquiry=enquiry).exists():
        return "该问答已公开过。"
    return ""


def publish(
    *,
    actor,
    enquiry_id: int,
    title: str | None = None,
    question: str | None = None,
    answer: str | None = None,
) -> PublicAnswer:
    """The answering office publishes the anonymised copy (its edited text is anonymised again)."""
    with transaction.atomic():
        enquiry = _handled(actor, enquiry_id)
        why_not = publishable(enquiry)
        if why_not:
            raise ValidationFailed(why_not)
        names = _names(enquiry)
        base = draft(enquiry)
        text = {
            "title": clean_text(
                base["title"] if title is None else title, field="title", label="标题", max_length=TITLE_MAX
            ),
            "question": clean_text(
                base["question"] if question is None else question,
                field="question",
                label="问题",
                max_length=TEXT_MAX,
            ),
            "answer": clean_text(
                base["answer"] if answer is None else answer,
                field="answer",
                label="答复",
                max_length=TEXT_MAX,
            ),
        }
        text = {
            k: anonymise(v, names=names)[: TITLE_MAX if k == "title" else TEXT_MAX] for k, v in text.items()
        }
        row = PublicAnswer.objects.create(
            enquiry=enquiry,
            category=enquiry.category,
            title=text["title"],
            question=text["question"],
            answer=text["answer"],
            office_label=office_label(enquiry),
            asked_on=clock.local(enquiry.created_at).date(),
            answered_on=clock.local(enquiry.answered_at or clock.now()).date(),
            published_by=actor,
        )
        enquiry.published_at = row.published_at
        enquiry.save(update_fields=["published_at"])
        record(actor=actor, action="enquiries.answer.published", obj=row, data={"enquiry_id": enquiry.pk})
        _tell_asker(
            enquiry,
            f"您的问答已匿名公开：{enquiry.title}",
            "公开内容不含您的姓名、电话和房号。如不同意公开，可在咨询详情中撤回同意，公开内容将立即撤下。",
            stage="已公开",
        )
    return row


def set_consent(*, actor, enquiry_id: int, consent: bool) -> Enquiry:
    """The asker gives or withdraws consent; withdrawn after publication, the public copy is taken down at once."""
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().filter(pk=enquiry_id, asker=actor).first()
        if enquiry is None:
            raise NotFound("未找到该咨询。")
        if enquiry.channel != Channel.GOVERNMENT:
            raise ValidationFailed("只有政民互动的问答可以公开。")
        taken_down = False
        if not consent:
            taken_down = (
                PublicAnswer.objects.filter(enquiry=enquiry, withdrawn_at__isnull=True).update(
                    withdrawn_at=clock.now(), withdrawn_reason="提问人撤回同意"
                )
                > 0
            )
            enquiry.published_at = None
        enquiry.public_consent = bool(consent)
        enquiry.save(update_fields=["public_consent", "published_at"])
        record(
            actor=actor,
            action="enquiries.consent.changed",
            obj=enquiry,
            data={"consent": bool(consent), "taken_down": taken_down},
        )
    return enquiry


def take_down(*, actor, enquiry_id: int, reason: str) -> PublicAnswer:
    reason = clean_text(reason, field="reason", label="撤下原因", max_length=REASON_MAX)
    with transaction.atomic():
        enquiry = _handled(actor, enquiry_id)
        row = (
            PublicAnswer.objects.select_for_update()
            .filter(enquiry=enquiry, withdrawn_at__isnull=True)
            .first()
        )
        if row is None:
            raise ValidationFailed("该问答没有公开。")
        row.withdrawn_at = clock.now()
        row.withdrawn_reason = reason
        row.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        enquiry.published_at = None
        enquiry.save(update_fields=["published_at"])
        record(
            actor=actor,
            action="enquiries.answer.withdrawn",
            obj=row,
            data={"enquiry_id": enquiry.pk, "reason": reason},
        )
    return row


def published(*, q: str = "", category: str = "") -> QuerySet[PublicAnswer]:
    """The public list, newest first; `q` searches title, question and answer."""
    qs = PublicAnswer.objects.filter(withdrawn_at__isnull=True)
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(question__icontains=q) | Q(answer__icontains=q))
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("-published_at", "-id")


def current(enquiry: Enquiry) -> PublicAnswer | None:
    return PublicAnswer.objects.filter(enquiry=enquiry, withdrawn_at__isnull=True).first()
