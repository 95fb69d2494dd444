"""Access-matrix world: a finished office job (后台任务) started by the victim project's committee, whose file name
and row errors must reach nobody outside the job's scope."""

from __future__ import annotations

from pmip.core import clock
from pmip.jobs.models import JobKind, JobState, OfficeJob
from pmip.registry.models import Project

MARKERS = ("海岸城房屋清单.csv", "海岸城第9行错误")


def build(*, project: Project, starter) -> dict[str, object]:
    now = clock.now()
    job = OfficeJob.objects.create(
        kind=JobKind.REGISTRY_IMPORT,
        started_by=starter,
        scope_level="committee",
        district_id=project.district_id,
        subdistrict_id=project.subdistrict_id,
        project=project,
        state=JobState.FAILED,
        source_name=MARKERS[0],
        done=3,
        total=10,
        message="导入文件共有1处错误，未导入任何数据。请修改后重新导入。",
        errors=[{"row": 9, "message": MARKERS[1]}],
        started_at=now,
        finished_at=now,
    )
    return {"office_job": job.pk}


def fingerprint() -> tuple:
    return tuple(OfficeJob.objects.order_by("pk").values_list("pk", "state", "done", "message"))
