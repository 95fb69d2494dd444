"""Follows (关注小区, 维修金概览)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProjectFollow(models.Model):
    """An account follows a project to see its maintenance-fund figures on 维修金概览."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fund_follows"
    )
    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["account_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "project"],
                name="follow_unique",
                violation_error_message="您已关注该小区。",
            )
        ]
        verbose_name = verbose_name_plural = "关注小区"

    def __str__(self) -> str:
        return f"{self.account_id} → {self.project_id}"
