"""线下认证 (offline verification) and the house-information queue (房屋信息补录): services and selectors.

Offline verification (owner manual ch. 1 (二)(三)): an owner who cannot use online face verification (a non-mainland
document, or a face check that keeps failing) applies for one project where they have an active binding. The
project's committee (业委会/筹备组, StaffRole level `committee`) or its subdistrict office (level `subdistrict`)
enters the owner's ID number, opens the application, checks the title records against the papers, uploads the
evidence (产权证明, 身份证件证明, 本人手持证件照片) and approves or rejects it. Approval marks the person's identity
`offline` (shown to the owner as 已人脸认证（线下）).

Rules:
- Only committee and subdistrict roles verify, and only applications of projects in their scope. Any other
  application "does not exist" for them (NotFound): by id, by ID-number search, by decision and by evidence file.
- The ID number is entered in a form and looked up by its blind index only; it is never stored in clear, logged, put
  in a URL or in audit data.
- Evidence: JPEG, PNG or PDF, sniffed from the content (the browser's type and the file name are not trusted), at most
  `PMIP_OFFLINE_EVIDENCE_MAX_BYTES` (default 5 MB) each, with its SHA-256. Stored through the Storage API
  (`STORAGES["offline_evidence"]`: files under `PRIVATE_MEDIA_ROOT` by default, object storage by settings) with a
  random name, sealed with AES-256-GCM under the field key ring (`pmip.core.crypto.seal_file`, the stored name as
  associated data); nothing in clear is written. Files are served only by `open_evidence`, which lets in the
  verifying staff in scope and the owner, and refuses (410) a file that was deleted, does not decrypt, or whose
  content does not match its SHA-256. Files written before sealing existed are sealed by
  `manage.py seal_offline_evidence` (which also re-seals files under older keys after a key rotation).
- Retention: `PMIP_OFFLINE_EVIDENCE_RETENTION_DAYS` (default 180) days after the decision, the periodic task
  `pmip.identity.tasks.purge_offline_evidence` deletes the files; the rows stay (kind, size, SHA-256, who uploaded
  when) with `deleted_at`, and the pages say 材料已按规定于…删除. Audited: identity.offline.evidence_deleted.
- Approval needs at least one file of each of the three kinds. Decisions are final (pending → approved/rejected).
- Every write is audited in its transaction (identity.offline.applied / evidence_added / approved / rejected /
  evidence_viewed / evidence_deleted); decisions notify the owner in the same transaction.

House-information queue ("未能找到您的房屋"): subdistrict roles see the submissions of their own subdistricts and mark
them resolved (已补录) or rejected with a reply (identity.house_submission.resolved / rejected).

The package, by concern (each module imports only the ones listed before it):
- `common`: constants, settings (size limit, retention, the storage alias), who verifies what;
- `selectors`: the staff's applications (scoped), the title records to check, the owner's applications;
- `files`: checking, sealing, storing, reading and re-sealing evidence files;
- `services`: apply, add evidence, approve, reject, open a file (each audited);
- `retention`: deleting evidence files after the retention period;
- `house_queue`: the house-information queue.
Callers import from `pmip.identity.offline`, which re-exports the use cases below.
"""

from pmip.identity.offline.common import (
    EVIDENCE_KINDS,
    EVIDENCE_STORAGE,
    OWNER_OFFLINE_LINK,
    REASON_MAX,
    REPLY_MAX,
    VERIFIER_LEVELS,
    evidence_max_bytes,
    evidence_retention_days,
    evidence_storage,
    handles_house_queue,
    is_verifier,
    log,
    private_root,
    verifier_project_q,
)
from pmip.identity.offline.files import (
    EVIDENCE_CSP,
    CheckedFile,
    SealResult,
    check_evidence_file,
    evidence_filename,
    read_evidence,
    seal_stored_evidence,
)
from pmip.identity.offline.house_queue import (
    get_house_submission_for_staff,
    house_submissions_for_staff,
    reject_house_submission,
    resolve_house_submission,
)
from pmip.identity.offline.retention import (
    applications_with_expired_evidence,
    purge_expired_evidence,
)
from pmip.identity.offline.selectors import (
    TitleToCheck,
    applications_for_verifier,
    bound_projects,
    evidence_of,
    find_applications,
    get_application_for_verifier,
    id_number_hashes,
    missing_evidence_kinds,
    my_applications,
    owner_identity_of,
    pending_count_for_verifier,
    titles_to_check,
)
from pmip.identity.offline.services import (
    add_evidence,
    apply_offline_verification,
    approve_offline_verification,
    open_evidence,
    reject_offline_verification,
)

__all__ = [
    "add_evidence",
    "applications_for_verifier",
    "applications_with_expired_evidence",
    "apply_offline_verification",
    "approve_offline_verification",
    "bound_projects",
    "check_evidence_file",
    "CheckedFile",
    "EVIDENCE_CSP",
    "evidence_filename",
    "EVIDENCE_KINDS",
    "evidence_max_bytes",
    "evidence_of",
    "evidence_retention_days",
    "EVIDENCE_STORAGE",
    "evidence_storage",
    "find_applications",
    "get_application_for_verifier",
    "get_house_submission_for_staff",
    "handles_house_queue",
    "house_submissions_for_staff",
    "id_number_hashes",
    "is_verifier",
    "log",
    "missing_evidence_kinds",
    "my_applications",
    "open_evidence",
    "owner_identity_of",
    "OWNER_OFFLINE_LINK",
    "pending_count_for_verifier",
    "private_root",
    "purge_expired_evidence",
    "read_evidence",
    "REASON_MAX",
    "reject_house_submission",
    "reject_offline_verification",
    "REPLY_MAX",
    "resolve_house_submission",
    "seal_stored_evidence",
    "SealResult",
    "titles_to_check",
    "TitleToCheck",
    "VERIFIER_LEVELS",
    "verifier_project_q",
]
