"""互动交流 (owners and delegates ↔ their project's offices) and 政民互动 (any logged-in user ↔ the housing bureau).

An enquiry is routed to one office level at a time (`level` + the matching target), has a reply deadline in working
days (`due_date`), and moves 待受理 → 处理中 → 已答复 → 已办结 (or 已撤回). Overdue, it escalates to the next level.
The asker rates the answer and may reopen it once. Messages and images are never edited or deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from pmip.core import clock


class Channel(models.TextChoices):
    COMMUNITY = "community", "互动交流"
    GOVERNMENT = "government", "政民互动"


class Category(models.TextChoices):
    CONSULT = "consult", "咨询"
    SUGGEST = "suggest", "建议"
    COMPLAIN = "complain", "投诉"
    REPAIR = "repair", "报修跟进"


class State(models.TextChoices):
    PENDING = "pending", "待受理"
    PROCESSING = "processing", "处理中"
    ANSWERED = "answered", "已答复"
    CLOSED = "closed", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"


class Level(models.TextChoices):
    COMPANY = "company", "物业服务企业"
    COMMITTEE = "committee", "业主委员会"
    SUBDISTRICT = "subdistrict", "街道办事处"
    DISTRICT = "district", "区住房和建设局"
    CITY = "city", "市住房和建设局"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Enquiry(models.Model):
    channel = models.CharField(max_length=12, choices=Channel.choices)
    category = models.CharField(max_length=10, choices=Category.choices)
    title = models.CharField(max_length=60)
    text = models.TextField()
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "registry.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # routing: the level now handling it and its target (exactly the one the level needs)
    level = models.CharField(max_length=12, choices=Level.choices)
    company = models.ForeignKey(
        "registry.PropertyCompany", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subdistrict = models.ForeignKey(
        "registry.Subdistrict", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "registry.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    due_date = models.DateField(help_text="答复期限（工作日计算）")
    escalations = models.PositiveSmallIntegerField(default=0)
    reopened = models.BooleanField(default=False, help_text="已重新打开过一次")
    rating = models.CharField(max_length=12, choices=Rating.choices, blank=True)
    public_consent = models.BooleanField(default=False, help_text="提问人同意答复后匿名公开")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "咨询投诉"
        indexes = [
            models.Index(fields=["level", "state", "due_date"], name="enquiry_queue_idx"),
            models.Index(fields=["asker", "-created_at"], name="enquiry_asker_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="community") | Q(project__isnull=False),
                name="enquiry_community_has_project",
                violation_error_message="互动交流须选择小区。",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in (State.PENDING, State.PROCESSING)


class EnquiryMessage(models.Model):
    """One message of the conversation: the question, a reply, a reopen reason, an escalation note."""

    class Role(models.TextChoices):
        ASKER = "asker", "提问人"
        OFFICE = "office", "办理部门"
        SYSTEM = "system", "系统"

    enquiry = models.ForeignKey(Enquiry, on_delete=models.PROTECT, related_name="messages")
    role = models.CharField(max_length=8, choices=Role.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    office_label = models.CharField(max_length=60, blank=True, help_text="办理部门名称（不含个人姓名）")
    text = models.TextField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "咨询投诉记录"

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.role}"


class EnquiryImage(models.Model):
    """An image of the question: re-encoded as JPEG without metadata, kept outside the web root."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.PROTECT, related_name="images")
    stored_name = models.CharField(max_length=120, unique=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "咨询投诉图片"

    def __str__(self) -> str:
        return self.stored_name


class PublicAnswer(models.Model):
    """常见问答 / 公开答复: an answered 政民互动 enquiry the answering office published, with the asker's consent, in
    an anonymised copy — no asker, no phone, no unit, names masked (`pmip.enquiries.public.anonymise`). The public
    reads only this table, never the enquiry. Withdrawn (the asker withdrew consent, or the office took it down), it
    leaves the public list and is never shown again."""

    enquiry = models.OneToOneField(Enquiry, on_delete=models.PROTECT, related_name="public_answer")
    category = models.CharField(max_length=10, choices=Category.choices)
    title = models.CharField(max_length=60)
    question = models.TextField()
    answer = models.TextField()
    office_label = models.CharField(max_length=60, help_text="答复部门（不含个人姓名）")
    asked_on = models.DateField()
    answered_on = models.DateField()
    published_at = models.DateTimeField(default=clock.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = verbose_name_plural = "公开答复"
        indexes = [models.Index(fields=["withdrawn_at", "-published_at"], name="public_answer_list_idx")]

    def __str__(self) -> str:
        return self.title
