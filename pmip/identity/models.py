"""Accounts, back-office roles and one-time SMS codes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from pmip.core.masking import mask_name, mask_phone


class AccountKind(models.TextChoices):
    OWNER = "owner", "业主/公众"
    STAFF = "staff", "工作人员"
    OPERATOR = "operator", "平台运维"


class Account(AbstractUser):
    """Everyone who logs in: owners (WeChat or phone), back-office staff, platform operators.

    `mobile` is E.164. Owners have no usable password; staff log in with password + SMS code.
    """

    kind = models.CharField(max_length=12, choices=AccountKind.choices, default=AccountKind.OWNER)
    display_name = models.CharField(max_length=60, blank=True)
    mobile = models.CharField(max_length=20, blank=True, db_index=True)
    wechat_openid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    sessions_valid_after = models.DateTimeField(null=True, blank=True, help_text="log-out everywhere")
    elder_mode = models.BooleanField(
        default=False, help_text="长辈模式: larger text and tap targets, high contrast on the owner pages"
    )

    class Meta:
        verbose_name = verbose_name_plural = "账户"
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"],
                condition=~Q(mobile=""),
                name="account_unique_mobile",
                violation_error_message="该手机号已被其他账户使用。",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def masked_name(self) -> str:
        return mask_name(self.display_name)

    @property
    def masked_mobile(self) -> str:
        return mask_phone(self.mobile)


class ScopeLevel(models.TextChoices):
    CITY = "city", "市住建局"
    DISTRICT = "district", "区住建局"
    SUBDISTRICT = "subdistrict", "街道办"
    COMMITTEE = "committee", "业委会/筹备组"
    COMPANY = "company", "物业服务企业"


class StaffRole(models.Model):
    """A back-office role: one scope (city, a district, a subdistrict, a project's committee, a company).

    Exactly the foreign key that matches the level is set (database constraint). `can_edit` allows registry edits.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="staff_roles")
    level = models.CharField(max_length=12, choices=ScopeLevel.choices)
    district = models.ForeignKey("registry.District", on_delete=models.PROTECT, null=True, blank=True)
    subdistrict = models.ForeignKey("registry.Subdistrict", on_delete=models.PROTECT, null=True, blank=True)
    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, null=True, blank=True)
    company = models.ForeignKey("registry.PropertyCompany", on_delete=models.PROTECT, null=True, blank=True)
    can_edit = models.BooleanField(default=False)
    title = models.CharField(max_length=60, blank=True, help_text="e.g. 莲花街道办 物业科")

    class Meta:
        verbose_name = verbose_name_plural = "后台角色"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        level="city",
                        district__isnull=True,
                        subdistrict__isnull=True,
                        project__isnull=True,
                        company__isnull=True,
                    )
                    | Q(
                        level="district",
                        district__isnull=False,
                        subdistrict__isnull=True,
                        project__isnull=True,
                        company__isnull=True,
                    )
                    | Q(
                        level="subdistrict",
                        district__isnull=True,
                        subdistrict__isnull=False,
                        project__isnull=True,
                        company__isnull=True,
                    )
                    | Q(
                        level="committee",
                        district__isnull=True,
                        subdistrict__isnull=True,
                        project__isnull=False,
                        company__isnull=True,
                    )
                    | Q(
                        level="company",
                        district__isnull=True,
                        subdistrict__isnull=True,
                        project__isnull=True,
                        company__isnull=False,
                    )
                ),
                name="staffrole_scope_matches_level",
                violation_error_message="角色范围与级别不一致。",
            )
        ]

    def __str__(self) -> str:
        target = self.district or self.subdistrict or self.project or self.company or "全市"
        return f"{self.get_level_display()}：{target}"


class SmsPurpose(models.TextChoices):
    OWNER_LOGIN = "owner_login", "登录"
    STAFF_LOGIN = "staff_login", "后台登录"
    BINDING = "binding", "业主身份绑定"
    DELEGATE = "delegate", "被委托人认证"


class SmsCode(models.Model):
    """A one-time SMS code: stored hashed, bound to phone and purpose, 5 minutes, single use, 5 wrong tries."""

    mobile = models.CharField(max_length=20)
    purpose = models.CharField(max_length=20, choices=SmsPurpose.choices)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    superseded = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["mobile", "purpose", "-created_at"], name="smscode_lookup_idx")]
        verbose_name = verbose_name_plural = "短信验证码"

    def __str__(self) -> str:
        return f"{mask_phone(self.mobile)} {self.purpose}"


# --- Owner identity and house binding (业主身份绑定, 人脸识别, 线下认证) -------------------------------------------


class VerificationMethod(models.TextChoices):
    NONE = "none", "未认证"
    FACE = "face", "已人脸认证"
    OFFLINE = "offline", "已人脸认证（线下）"


class OwnerIdentity(models.Model):
    """The person behind an owner account as checked at binding: name, ID (encrypted), mobile, how verified.

    Verification is per person, not per unit: face verification (mainland ID only) or offline verification by a
    committee or subdistrict office. Only a verified identity's bindings may vote.
    """

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="owner_identity")
    holder_name = models.CharField(max_length=60)
    id_type = models.CharField(max_length=24)
    id_number_enc = models.TextField()
    id_number_hash = models.CharField(max_length=64)
    id_number_masked = models.CharField(max_length=24)
    mobile = models.CharField(max_length=20, help_text="E.164, checked by SMS code")
    agreement_accepted_at = models.DateTimeField()
    face_consent_at = models.DateTimeField(null=True, blank=True, help_text="separate consent for face data")
    verification = models.CharField(
        max_length=10, choices=VerificationMethod.choices, default=VerificationMethod.NONE
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["id_type", "id_number_hash"], name="owner_identity_id_idx")]
        verbose_name = verbose_name_plural = "业主身份"

    def __str__(self) -> str:
        return f"{mask_name(self.holder_name)} {self.id_number_masked}"

    @property
    def is_verified(self) -> bool:
        return self.verification != VerificationMethod.NONE

    def set_id_number(self, id_type: str, normalised_number: str) -> None:
        from pmip.core import crypto
        from pmip.core.masking import mask_id

        self.id_type = id_type
        self.id_number_enc = crypto.encrypt(normalised_number, context=f"id:{id_type}")
        self.id_number_hash = crypto.id_number_hash(id_type, normalised_number)
        self.id_number_masked = mask_id(normalised_number)


class FaceVerification(models.Model):
    """One face verification at the provider. Keeps only the provider's result — never images or video."""

    class Purpose(models.TextChoices):
        BINDING = "binding", "业主身份绑定"
        SUPPLEMENTARY = "supplementary", "补充认证"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="face_verifications")
    provider = models.CharField(max_length=20)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    biz_token = models.CharField(max_length=128, unique=True)
    started_at = models.DateTimeField()
    transaction_id = models.CharField(max_length=128, blank=True)
    passed = models.BooleanField(null=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "人脸核身记录"

    def __str__(self) -> str:
        return f"{self.provider}:{self.transaction_id or self.biz_token} {self.passed}"


class BindingStatus(models.TextChoices):
    ACTIVE = "active", "已绑定"
    ENDED = "ended", "已解除"


class HouseBinding(models.Model):
    """An owner account bound to one unit, on the strength of one title record (产权登记).

    At most one active binding per (account, unit). Ended when the owner unbinds or when the title registry shows a
    new holder (the unit was sold); never deleted.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="house_bindings")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, related_name="bindings")
    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="bindings")
    title_record = models.ForeignKey(
        "registry.TitleRecord", on_delete=models.PROTECT, related_name="bindings"
    )
    status = models.CharField(max_length=10, choices=BindingStatus.choices, default=BindingStatus.ACTIVE)
    bound_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "unit"],
                condition=Q(status="active"),
                name="binding_one_active_per_account_unit",
                violation_error_message="该房屋已绑定到您的账户。",
            )
        ]
        indexes = [models.Index(fields=["project", "status"], name="binding_project_status_idx")]
        verbose_name = verbose_name_plural = "房屋绑定"

    def __str__(self) -> str:
        return f"{self.account_id} → {self.unit_id} ({self.status})"


class OfflineVerificationStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


class OfflineVerification(models.Model):
    """线下认证: an owner's application, checked in person by the project's committee or its subdistrict office."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="offline_verifications")
    identity = models.ForeignKey(
        OwnerIdentity, on_delete=models.PROTECT, related_name="offline_verifications"
    )
    project = models.ForeignKey(
        "registry.Project", on_delete=models.PROTECT, related_name="offline_verifications"
    )
    status = models.CharField(
        max_length=10, choices=OfflineVerificationStatus.choices, default=OfflineVerificationStatus.PENDING
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "status"], name="offline_project_status_idx")]
        verbose_name = verbose_name_plural = "线下认证申请"

    def __str__(self) -> str:
        return f"{self.identity} {self.get_status_display()}"


class OfflineEvidence(models.Model):
    """Evidence uploaded by the verifying officer. Stored privately; served only through a permission check."""

    class Kind(models.TextChoices):
        TITLE_PROOF = "title_proof", "产权证明"
        ID_PROOF = "id_proof", "身份证件证明"
        HOLDING_PHOTO = "holding_photo", "本人手持证件照片"

    application = models.ForeignKey(OfflineVerification, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    stored_name = models.CharField(
        max_length=200, help_text='name in STORAGES["offline_evidence"] (sealed with AES-256-GCM)'
    )
    original_name = models.CharField(max_length=200, blank=True, help_text="cleared when the file is deleted")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="of the plaintext")
    uploaded_by = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="the file was deleted under the retention rule (the row stays)"
    )

    class Meta:
        verbose_name = verbose_name_plural = "线下认证材料"

    def __str__(self) -> str:
        if self.deleted_at is not None:
            return f"{self.get_kind_display()}（已删除）"
        return f"{self.get_kind_display()} {self.original_name}"


class HouseInfoSubmission(models.Model):
    """“未能找到您的房屋”: information an owner submits about a house missing from the registry, for the
    subdistrict office's queue."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        RESOLVED = "resolved", "已补录"
        REJECTED = "rejected", "不予补录"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="house_submissions")
    subdistrict = models.ForeignKey("registry.Subdistrict", on_delete=models.PROTECT, related_name="+")
    project_name = models.CharField(max_length=100)
    address = models.CharField(max_length=200)
    building_number = models.CharField(max_length=30)
    unit_number = models.CharField(max_length=30)
    certificate_no = models.CharField(max_length=60, blank=True)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField()
    handled_by = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    reply = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["subdistrict", "status"], name="house_submission_queue_idx")]
        verbose_name = verbose_name_plural = "房屋信息补录申请"

    def __str__(self) -> str:
        return f"{self.project_name} {self.building_number}栋{self.unit_number} {self.get_status_display()}"
