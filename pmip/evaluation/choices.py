from django.db import models


class Target(models.TextChoices):
    """What an owner evaluates in a project."""

    OFFICE = "office", "物业管理处"
    COMMITTEE = "committee", "业委会"


class SubjectKind(models.TextChoices):
    """What a city ranking ranks."""

    PROJECT = "project", "物业项目"
    COMPANY = "company", "物业企业"
    COMMITTEE = "committee", "业委会"


PERIOD_MONTHS_CHOICES = [(1, "自然月"), (3, "自然季度"), (6, "半年"), (12, "自然年")]
