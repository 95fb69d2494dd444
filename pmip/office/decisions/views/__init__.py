"""Back office → 业主决策: conveners (owners' committee of the project, subdistrict office, city) run owners' meetings;
district housing bureaus read them.

Views validate input, call a selector or a service of `pmip.decisions`, and render. A meeting outside the user's
scope is 404 for GET and POST alike (`office_required` turns NotFound into the 404 page); a reader who may not run a
meeting (district bureau) sees no buttons, and the services refuse the writes (NotFound → 404).

Secrecy: before the close these pages show participation only (who took part, how much area, how many more are
needed) — never a choice. Paper-ballot entries are listed without their answers, so the second clerk enters the
form independently. The per-matter export (which shows how each unit voted) is offered after the close only.

By page group: base (the meeting in scope, header context, convener check), meetings (list, create, edit, detail,
publicity files), matters, transitions (notice, open, close, publish, cancel), voting (turnout, paper ballots),
records (results, exports, bulletin, roll, audit trail). `urls.py` names the views through this package.
"""

from pmip.office.decisions.views.matters import matter_add, matter_edit, matter_remove
from pmip.office.decisions.views.meetings import (
    file_download,
    file_upload,
    meeting_create,
    meeting_detail,
    meeting_edit,
    meeting_list,
)
from pmip.office.decisions.views.records import (
    audit_trail,
    bulletin,
    export_matter,
    export_meeting,
    results,
    roll,
)
from pmip.office.decisions.views.transitions import (
    cancel_meeting,
    close_voting,
    open_voting,
    publish_notice,
    publish_results,
)
from pmip.office.decisions.views.voting import paper_ballots, turnout

__all__ = [
    "audit_trail",
    "bulletin",
    "cancel_meeting",
    "close_voting",
    "export_matter",
    "export_meeting",
    "file_download",
    "file_upload",
    "matter_add",
    "matter_edit",
    "matter_remove",
    "meeting_create",
    "meeting_detail",
    "meeting_edit",
    "meeting_list",
    "open_voting",
    "paper_ballots",
    "publish_notice",
    "publish_results",
    "results",
    "roll",
    "turnout",
]
