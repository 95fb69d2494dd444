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
