"""Audit action codes of 后台任务 (registered with pmip.audit.actions)."""

from pmip.audit.actions import register

register("jobs.job.started", "开始后台任务")
register("jobs.job.finished", "后台任务完成")
register("jobs.job.failed", "后台任务失败")
