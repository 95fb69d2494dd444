"""后台任务 (office jobs): long back-office work — imports of tens of thousands of rows — run by the task worker
with a progress bar the office page polls, instead of a request that hangs.

One mechanism for every kind: `services.start_job` stores the uploaded file (storage `job_uploads`), creates the
`OfficeJob` row (scoped to the starter's office), audits `jobs.job.started` and enqueues the kind's task
(`tasks.py`); the task calls `runner.run_job`, which claims the job, opens the file, calls the kind's work (`kinds.py`:
the registry, fund-entries and credit imports — each one domain service, all or nothing) with a progress reporter,
and records the result or the error (with the rows at fault) and `jobs.job.finished` / `jobs.job.failed`; the file is
deleted afterwards. `selectors` scope the reads: a job is seen by its starter and by staff whose scope covers the
job's scope.

Layer: above the domain apps it calls (beside `pmip.demo`), below the interfaces.
"""
