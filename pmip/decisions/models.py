"""业主决策 (owners' decisions / e-voting): meetings, matters, publicity files, voter nominations, the frozen voter
roll, ballots with receipts, paper-ballot entries and the incremental counts.

Rules kept by the database:
- one valid ballot per (matter, owner key): `ballot_one_valid_per_matter_owner` (an owner with several units casts
  one ballot; a changed ballot — only when the meeting allows it — supersedes the old row, which stays);
- receipts unique; per-meeting ballot sequence numbers unique;
- one roll entry per (meeting, unit); one count row per (matter, candidate);
- one nomination in force per (unit, nominator); one pending-or-confirmed paper entry per (matter, owner key), and
  the second entry of a paper ballot is never by the person who made the first;
- voting ends after it starts; counts never negative.

Areas in the roll, ballots and counts are integers in hundredths of a square metre (8513.18 m² → 851318), as the
tally rules require (domain-rules §1). Nothing here is ever deleted (PROTECT everywhere).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from pmip.core.models import TimeStamped
from pmip.decisions.choices import (
    BallotChannel,
    ConvenerKind,
    ElectionRanking,
    Ineligibility,
    MatterClass,
    MatterItem,
    MatterKind,
    MatterScope,
    MeetingState,
    MeetingType,
    OwnerKind,
    PaperEntryState,
    PublicityKind,
)
from pmip.decisions.tokens import active_key_id
from pmip.registry.choices import AreaSource, UnitUse


class Meeting(TimeStamped):
    """会议: one convened session of the owners' assembly with one or more matters.

    Scheduled times (`voting_starts_at`, `voting_ends_at`) are separate from what actually happened (`opened_at`,
    `closed_at`, `results_published_at`). The rule settings are explicit fields so every result can say which
    settings were applied (domain-rules §1 [configurable] items); they are fixed once the notice is published.
    `roll_hash` is the SHA-256 of the canonical voter roll frozen when voting opened.
    """

    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="meetings")
    convener_kind = models.CharField(max_length=12, choices=ConvenerKind.choices)
    convened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    meeting_type = models.CharField(
        max_length=14, choices=MeetingType.choices, default=MeetingType.EXTRAORDINARY
    )
    state = models.CharField(
        max_length=10, choices=MeetingState.choices, default=MeetingState.DRAFT, db_index=True
    )

    rehearsal = models.BooleanField(
        default=False,
        help_text="演练会议：召集人练习、业主试投票；通知期可按分钟计，结果不产生法律效力，不计入统计和公开数据",
    )
    notice_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(1440)],
        help_text="演练会议的会议通知至少提前的分钟数（取代 notice_days；非演练会议为0）",
    )

    # rule settings (议事规则), defaults from domain-rules §1
    notice_days = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="会议通知至少提前的天数（物业管理条例第14条：15日）",
    )
    include_parking_storage = models.BooleanField(default=False, help_text="车位、储藏室计入投票权数")
    non_voters_follow_majority = models.BooleanField(
        default=False, help_text="未投票业主视为同意多数（从众）"
    )
    allow_ballot_change = models.BooleanField(default=False, help_text="截止前允许业主修改已投选票")
    election_ranking = models.CharField(
        max_length=20, choices=ElectionRanking.choices, default=ElectionRanking.OWNERS_THEN_AREA
    )

    voting_starts_at = models.DateTimeField()
    voting_ends_at = models.DateTimeField()
    notice_published_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    results_published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)

    roll_frozen_at = models.DateTimeField(null=True, blank=True)
    roll_hash = models.CharField(max_length=64, blank=True)
    ballot_sequence = models.PositiveIntegerField(default=0, help_text="last receipt sequence number issued")
    ballot_key_id = models.CharField(
        max_length=20,
        default=active_key_id,
        editable=False,
        help_text="id of the key the meeting's ballot tokens are made with (pmip.decisions.tokens)",
    )
    count_mismatch = models.BooleanField(
        default=False, help_text="the recount at close differed from the counters"
    )

    class Meta:
        ordering = ["-voting_starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voting_ends_at__gt=F("voting_starts_at")),
                name="meeting_voting_period_order",
                violation_error_message="投票截止时间必须晚于开始时间。",
            )
        ]
        indexes = [models.Index(fields=["project", "state"], name="meeting_project_state_idx")]
        verbose_name = verbose_name_plural = "业主大会会议"

    def __str__(self) -> str:
        return self.title

    @property
    def notice_period_label(self) -> str:
        """ "15日", or "5分钟" for a rehearsal (演练), whose notice period counts in minutes."""
        return f"{self.notice_minutes}分钟" if self.rehearsal else f"{self.notice_days}日"


class Matter(models.Model):
    """议题 / 表决事项: one question put to the vote, or one election (each candidate approved or rejected).

    `matter_class` follows from the Art. 278 item (6, 7, 8 are major) and is stored so results show it. Scope is the
    whole project or chosen buildings. Fixed once the notice is published.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="matters")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    item = models.PositiveSmallIntegerField(choices=MatterItem.choices)
    matter_class = models.CharField(max_length=10, choices=MatterClass.choices)
    kind = models.CharField(max_length=10, choices=MatterKind.choices, default=MatterKind.QUESTION)
    seats = models.PositiveSmallIntegerField(null=True, blank=True, help_text="选举的应选人数")
    scope = models.CharField(max_length=10, choices=MatterScope.choices, default=MatterScope.PROJECT)
    buildings = models.ManyToManyField("registry.Building", blank=True, related_name="+")

    class Meta:
        ordering = ["meeting_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "order"],
                name="matter_unique_order",
                violation_error_message="议题序号重复。",
            ),
            models.CheckConstraint(
                condition=Q(kind="question", seats__isnull=True) | Q(kind="election", seats__gte=1),
                name="matter_seats_match_kind",
                violation_error_message="选举议题须填写应选人数，表决事项不填。",
            ),
            models.CheckConstraint(
                condition=Q(item__gte=1) & Q(item__lte=9),
                name="matter_item_range",
                violation_error_message="事项类别须为民法典第二百七十八条第一款第1至9项之一。",
            ),
        ]
        verbose_name = verbose_name_plural = "表决事项"

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    @property
    def is_election(self) -> bool:
        return self.kind == MatterKind.ELECTION


class Candidate(models.Model):
    """A candidate of an election matter (选举业主委员会委员)."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="candidates")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    introduction = models.TextField(blank=True)

    class Meta:
        ordering = ["matter_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "order"], name="candidate_unique_order")]
        verbose_name = verbose_name_plural = "候选人"

    def __str__(self) -> str:
        return self.name


class PublicityFile(models.Model):
    """公示文件: the meeting notice and other uploads. Stored under PRIVATE_MEDIA_ROOT, served after a permission
    check only (owners of the project, their delegates, staff in scope)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=16, choices=PublicityKind.choices)
    title = models.CharField(max_length=200)
    stored_name = models.CharField(max_length=200, help_text="path under PRIVATE_MEDIA_ROOT")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["meeting_id", "uploaded_at", "id"]
        verbose_name = verbose_name_plural = "公示文件"

    def __str__(self) -> str:
        return self.title


class VoterNomination(models.Model):
    """推选投票人: one co-owner of a co-owned unit names one co-owner as the unit's voter.

    Effective only when every current co-owner (every holder on the unit's current title records) has a nomination
    in force naming the same person. A new nomination by the same co-owner ends the previous one (`ended_at`). A
    change during a vote affects only later meetings: the roll was frozen when voting opened.
    """

    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="+")
    nominator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title_record = models.ForeignKey("registry.TitleRecord", on_delete=models.PROTECT, related_name="+")
    nominee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unit_id", "nominated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "nominator"],
                condition=Q(ended_at__isnull=True),
                name="nomination_one_in_force_per_unit_nominator",
                violation_error_message="您对该房屋已有一份推选，请重新推选以替换。",
            )
        ]
        verbose_name = verbose_name_plural = "推选投票人"

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.nominator_id} → {self.nominee_id}"


class RollEntry(models.Model):
    """One unit of the voter roll, frozen when voting opens (never changed afterwards).

    `owner_key` is the headcount key: all developer-held or undelivered units share one key; a holder's units share
    one key (their ID type and blind-index hash); a co-owned unit has its own key. `principal` is the owner account
    that votes for the key (the single bound owner, or the nominated co-owner); `voter` is who held the pen when the
    roll was frozen (the delegate if a delegation was in force). Whether a delegation is in force is checked again
    when a ballot is cast, because an owner may revoke a delegation at any time.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="roll")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("registry.Building", on_delete=models.PROTECT, related_name="+")
    unit_label = models.CharField(max_length=70)
    use = models.CharField(max_length=20, choices=UnitUse.choices)
    area = models.BigIntegerField(help_text="exclusive area in hundredths of m²")
    area_source = models.CharField(max_length=12, choices=AreaSource.choices)
    owner_key = models.CharField(max_length=120)
    owner_kind = models.CharField(max_length=14, choices=OwnerKind.choices)
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delegated = models.BooleanField(default=False)
    eligible = models.BooleanField(default=False, help_text="may vote online (bound and verified)")
    ineligible_reason = models.CharField(max_length=16, choices=Ineligibility.choices, blank=True)

    class Meta:
        ordering = ["meeting_id", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="roll_unique_unit"),
            models.CheckConstraint(condition=Q(area__gt=0), name="roll_area_positive"),
        ]
        indexes = [models.Index(fields=["meeting", "owner_key"], name="roll_meeting_owner_idx")]
        verbose_name = verbose_name_plural = "投票人名册"

    def __str__(self) -> str:
        return f"{self.unit_label} ({self.area / 100:.2f} m²)"


class MatterCount(models.Model):
    """Running counts of one matter (or one candidate of an election), updated in the ballot's own transaction with
    F() expressions under a row lock, so reading a result never scans ballots. Totals are set from the frozen roll
    when voting opens. At close a full recount from the ballots must equal these figures."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="counts")
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total_area = models.BigIntegerField(default=0)
    total_owners = models.PositiveIntegerField(default=0)
    yes_area = models.BigIntegerField(default=0)
    yes_owners = models.IntegerField(default=0)
    no_area = models.BigIntegerField(default=0)
    no_owners = models.IntegerField(default=0)
    abstain_area = models.BigIntegerField(default=0)
    abstain_owners = models.IntegerField(default=0)

    class Meta:
        ordering = ["matter_id", "candidate_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter"], condition=Q(candidate__isnull=True), name="count_one_per_question"
            ),
            models.UniqueConstraint(
                fields=["matter", "candidate"],
                condition=Q(candidate__isnull=False),
                name="count_one_per_candidate",
            ),
            models.CheckConstraint(
                condition=Q(yes_area__gte=0, yes_owners__gte=0, no_area__gte=0, no_owners__gte=0)
                & Q(abstain_area__gte=0, abstain_owners__gte=0),
                name="count_never_negative",
            ),
        ]
        verbose_name = verbose_name_plural = "计票"

    def __str__(self) -> str:
        return f"{self.matter_id}/{self.candidate_id or '-'}"


class PaperBallotEntry(models.Model):
    """书面表决票 entered twice by two different staff members: the first entry waits, an equal second entry confirms
    it (and creates the ballot), a different one flags a mismatch. An online ballot of the same owner wins: the
    paper entry is then not counted."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="paper_entries")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="paper_entries")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, related_name="+")
    owner_key = models.CharField(max_length=120)
    form_number = models.CharField(max_length=40, blank=True, help_text="表决票编号")
    first_choices = models.JSONField()
    first_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_at = models.DateTimeField()
    second_choices = models.JSONField(null=True, blank=True)
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    second_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=PaperEntryState.choices, default=PaperEntryState.PENDING)

    class Meta:
        ordering = ["meeting_id", "first_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "owner_key"],
                condition=Q(state__in=["pending", "confirmed"]),
                name="paper_one_open_entry_per_matter_owner",
                violation_error_message="该业主本议题的书面表决票已录入。",
            ),
            models.CheckConstraint(
                condition=Q(second_by__isnull=True) | ~Q(second_by=F("first_by")),
                name="paper_two_different_clerks",
                violation_error_message="书面表决票须由两名不同的工作人员分别录入。",
            ),
        ]
        verbose_name = verbose_name_plural = "书面表决票录入"

    def __str__(self) -> str:
        return f"{self.matter_id}/{self.unit_id} {self.state}"


class Ballot(models.Model):
    """One owner's ballot on one matter: covers all the owner's units in the matter's scope (`area` is their sum).

    The owner is a per-meeting keyed token (`pmip.decisions.tokens`), not the roll's owner key, and no column points
    to an account: with the database alone a choice cannot be joined to a unit or a name (docs/security.md).

    Append-only: a changed ballot (when the meeting allows it) or an online ballot replacing a paper one marks the
    old row superseded. `choices` maps "matter" (a question) or each candidate id (an election) to yes/no/abstain.
    The receipt is SHA-256 over the canonical ballot, the meeting, the per-meeting sequence number and a random nonce
    (so it cannot be reversed to the choice).
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="ballots")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="ballots")
    owner_token = models.CharField(
        max_length=90, help_text="per-meeting keyed token of the roll owner key (pmip.decisions.tokens)"
    )
    area = models.BigIntegerField(help_text="in-scope area of the owner, hundredths of m²")
    choices = models.JSONField()
    channel = models.CharField(max_length=8, choices=BallotChannel.choices)
    by_delegate = models.BooleanField(default=False, help_text="cast online by the owner's delegate")
    paper_entry = models.OneToOneField(
        PaperBallotEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="ballot"
    )
    sequence = models.PositiveIntegerField()
    nonce = models.CharField(max_length=32)
    receipt = models.CharField(max_length=64, unique=True)
    cast_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["meeting_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "owner_token"],
                condition=Q(superseded_at__isnull=True),
                name="ballot_one_valid_per_matter_owner",
                violation_error_message="该业主已对本议题投票。",
            ),
            models.UniqueConstraint(fields=["meeting", "sequence"], name="ballot_unique_sequence"),
            models.CheckConstraint(condition=Q(area__gt=0), name="ballot_area_positive"),
        ]
        indexes = [models.Index(fields=["matter", "superseded_at"], name="ballot_matter_valid_idx")]
        verbose_name = verbose_name_plural = "选票"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.receipt[:12]}"
