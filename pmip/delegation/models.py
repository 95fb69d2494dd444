"""委托 (delegation): an owner lets a named person view, vote and evaluate for all the owner's units in a project.

At most one delegation in force per (owner, project). While it is in force the owner cannot vote in that project.
The delegate is identified by name + mobile; `delegate_account` is set when that person authenticates (被委托人认证).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pmip.core.masking import mask_name, mask_phone


class DelegationStatus(models.TextChoices):
    ACTIVE = "active", "生效中"
    REVOKED = "revoked", "已解除"


class Delegation(models.Model):
    owner = models.ForeignKey("identity.Account", on_delete=models.PROTECT, related_name="delegations_given")
    project = models.ForeignKey("registry.Project", on_delete=models.PROTECT, related_name="delegations")
    delegate_name = models.CharField(max_length=60)
    delegate_mobile = models.CharField(max_length=20, help_text="E.164")
    delegate_account = models.ForeignKey(
        "identity.Account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegations_received",
    )
    status = models.CharField(
        max_length=10, choices=DelegationStatus.choices, default=DelegationStatus.ACTIVE
    )
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "identity.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "project"],
                condition=Q(status="active"),
                name="delegation_one_active_per_owner_project",
                violation_error_message="您在该小区已有生效中的委托，请先解除。",
            )
        ]
        indexes = [
            models.Index(fields=["delegate_mobile", "project", "status"], name="delegation_delegate_idx")
        ]
        verbose_name = verbose_name_plural = "委托"

    def __str__(self) -> str:
        return f"{self.owner_id} → {mask_name(self.delegate_name)} {mask_phone(self.delegate_mobile)}"
