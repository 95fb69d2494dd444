from __future__ import annotations

from django.tasks import task


@task
def escalate_enquiries() -> int:
    """Periodic: escalate every open enquiry past its reply deadline (working days) to the next level."""
    from pmip.enquiries.services import escalate_overdue

    return escalate_overdue()
