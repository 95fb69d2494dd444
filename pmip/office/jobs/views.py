"""Back office → 后台任务: a job's page (a progress bar that htmx refreshes every 2 s until the job ends, then the
result or the error with the rows at fault), the list of one's recent jobs, and the 基础数据导入 upload that starts
one. The imports of 维修资金 and 信用信息 start their jobs from their own pages (`start` below)."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from pmip.core.errors import DomainError
from pmip.core.tables import Limits
from pmip.jobs import selectors, services
from pmip.jobs.models import JobKind, JobState, OfficeJob
from pmip.office.flow import form_error, posted
from pmip.office.views import office_required

POLL_SECONDS = 2
UPLOAD_SUFFIXES = (".xlsx", ".csv")
# Where a finished job's result leads (the interface's business, not the job's).
RESULT_LINKS = {
    JobKind.REGISTRY_IMPORT: ("office:project_list", "查看物业项目"),
    JobKind.FUND_ENTRIES_IMPORT: ("office_funds:index", "返回维修资金"),
    JobKind.CREDIT_IMPORT: ("office_credit:subjects", "查看信用信息"),
}
# Where to upload again after a failure.
RETRY_LINKS = {
    JobKind.REGISTRY_IMPORT: "office_jobs:registry_import",
    JobKind.FUND_ENTRIES_IMPORT: "office_funds:import",
    JobKind.CREDIT_IMPORT: "office_credit:import",
}
UNITS = {JobKind.FUND_ENTRIES_IMPORT: "行", JobKind.CREDIT_IMPORT: "行", JobKind.REGISTRY_IMPORT: "行"}


def start(request: HttpRequest, *, kind: str, upload: UploadedFile) -> HttpResponse:
    """Start `kind` on the upload and send the browser to the job's page (raises the service's DomainError)."""
    job = services.start_job(actor=request.user, kind=kind, upload=upload, source_name=upload.name or "")
    return redirect("office_jobs:detail", job_id=job.pk)


def present(job: OfficeJob) -> dict:
    """What the job's page and the list show of one job."""
    unit = UNITS.get(job.kind, "行")
    finished = job.state in (JobState.SUCCEEDED, JobState.FAILED)
    if job.state == JobState.SUCCEEDED:
        text = f"已完成：已处理 {job.total:,} / {job.total:,} {unit}" if job.total else "已完成"
    elif job.state == JobState.FAILED:
        text = "失败：" + (job.message or "未导入任何数据。")
    elif job.state == JobState.QUEUED:
        text = "排队中，等待后台处理…"
    else:
        text = (
            f"{job.phase or '处理中'}：已处理 {job.done:,} / {job.total:,} {unit}"
            if job.total
            else "正在读取文件…"
        )
    maximum = job.total or 1
    value = maximum if job.state == JobState.SUCCEEDED else (job.done if job.total else 0)
    link = RESULT_LINKS.get(job.kind) if job.state == JobState.SUCCEEDED else None
    return {
        "job": job,
        "finished": finished,
        "text": text,
        "value": value,
        "max": maximum,
        "percent": round(100 * value / maximum),
        "result_url": reverse(link[0]) if link else "",
        "result_label": link[1] if link else "",
        "retry_url": reverse(RETRY_LINKS[job.kind])
        if job.state == JobState.FAILED and job.kind in RETRY_LINKS
        else "",
    }


@office_required
@require_GET
def job_detail(request, job_id: int):
    job = selectors.get_job(actor=request.user, job_id=job_id)
    context = {**present(job), "poll_seconds": POLL_SECONDS}
    partial = "#job-progress" if getattr(request, "htmx", False) else ""
    response = render(request, "office/jobs/detail.html" + partial, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@office_required
@require_GET
def job_list(request):
    jobs = [present(j) for j in selectors.recent_jobs_of(actor=request.user)]
    return render(request, "office/jobs/list.html", {"jobs": jobs})


class RegistryUploadForm(forms.Form):
    file = forms.FileField(
        label="文件",
        help_text="支持 .xlsx 或 .csv（UTF-8）；先检查每一行，任何一行有错误都不会导入",
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError("只支持 .xlsx 或 .csv 文件（.xls 请另存为 .xlsx）。")
        limit = Limits.current().bytes
        if upload.size > limit:
            raise forms.ValidationError(f"文件不能超过{limit // (1024 * 1024)}MB，请分批导入。")
        return upload


@office_required
@require_http_methods(["GET", "POST"])
def registry_import(request):
    """基础数据导入 (docs/import-format.md): the file is checked and imported by a job, all or nothing."""
    form = RegistryUploadForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            return start(request, kind=JobKind.REGISTRY_IMPORT, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form_error(form, exc)
    status = 422 if request.method == "POST" else 200
    return render(request, "office/jobs/registry_import.html", {"form": form}, status=status)
