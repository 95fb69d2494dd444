"""Reads of 业主决策, each scoped to what the reader may see.

Secrecy (owner manual, 电子投票注意事项 5: 投票结束前，只能看到自己当前投票内容):
- before the close an owner (or their delegate) reads only their own ballot; the convener reads turnout only —
  participating owners and area against the two-thirds marks, per building, and how many more are needed — never a
  choice, and no selector returns another owner's choice at any time;
- the tally sheet is for staff in scope once voting has closed, and for the project's owners once the results are
  published; the bulletin (every receipt with its units' building/room and area, never a name) once closed;
- public lists show building/room and area, never names.

Results are read from the running counters (MatterCount), never by scanning ballots; `recount` (ballots + frozen
roll) is used only to check the counters at close and before publication.

The package, by subject (each module imports only from those listed before it):
- common: the state groups (VOTING_STARTED, AFTER_CLOSE), the signed-in check, masked account names;
- meetings: meetings for staff, owners and readers, their matters, publicity files, 业主绑定情况;
- ballots: an owner's own ballots and voting slots;
- nominations: 推选投票人 / 查看投票人;
- counting: counters, recount, discrepancies, results and the tally sheet;
- participation: 参与情况 (turnout) during the vote;
- receipts: 选票公示 (the bulletin of receipts);
- backoffice: the frozen roll, audit entries and paper-ballot entries of one meeting;
- figures: a project's 电子投票 totals.
Callers import from `pmip.decisions.selectors` (everything public is re-exported here).
"""

from pmip.decisions.selectors.backoffice import (
    BALLOT_ACTION,
    meeting_audit_entries,
    meeting_ballot_entry_count,
    paper_counts,
    paper_entries,
    roll_for_staff,
    roll_unit_id,
)
from pmip.decisions.selectors.ballots import (
    OwnBallot,
    VotingSlot,
    delegate_cast_label,
    delegate_may_see,
    my_ballot,
    voting_slots,
)
from pmip.decisions.selectors.common import AFTER_CLOSE, CANCELLABLE, VOTING_STARTED
from pmip.decisions.selectors.counting import (
    ElectionSheet,
    MatterResult,
    MatterSheet,
    TallySheet,
    count_discrepancies,
    matter_results,
    recount,
    tally_sheet,
)
from pmip.decisions.selectors.figures import project_voting_figures
from pmip.decisions.selectors.meetings import (
    BuildingBindingStatus,
    MeetingStage,
    binding_summary,
    claimable_convener_kinds,
    convener_projects,
    get_meeting_for_owner,
    get_meeting_for_reader,
    get_meeting_for_staff,
    matters_of,
    may_run_meeting,
    meeting_stage,
    meetings_for_owner,
    meetings_for_staff,
    open_publicity_file,
    owner_project_ids,
    project_buildings,
    publicity_files,
    results_due,
)
from pmip.decisions.selectors.nominations import (
    CoOwner,
    NominationStatus,
    nomination_status,
    nomination_statuses,
)
from pmip.decisions.selectors.participation import BuildingTurnout, MatterTurnout, turnout
from pmip.decisions.selectors.receipts import BulletinLine, bulletin

__all__ = [
    "AFTER_CLOSE",
    "BALLOT_ACTION",
    "BuildingBindingStatus",
    "BuildingTurnout",
    "CANCELLABLE",
    "BulletinLine",
    "CoOwner",
    "ElectionSheet",
    "MatterResult",
    "MatterSheet",
    "MatterTurnout",
    "MeetingStage",
    "NominationStatus",
    "OwnBallot",
    "TallySheet",
    "VOTING_STARTED",
    "VotingSlot",
    "binding_summary",
    "bulletin",
    "claimable_convener_kinds",
    "convener_projects",
    "count_discrepancies",
    "delegate_cast_label",
    "delegate_may_see",
    "get_meeting_for_owner",
    "get_meeting_for_reader",
    "get_meeting_for_staff",
    "matter_results",
    "matters_of",
    "may_run_meeting",
    "meeting_audit_entries",
    "meeting_stage",
    "meeting_ballot_entry_count",
    "meetings_for_owner",
    "meetings_for_staff",
    "my_ballot",
    "nomination_status",
    "nomination_statuses",
    "open_publicity_file",
    "owner_project_ids",
    "paper_counts",
    "paper_entries",
    "project_buildings",
    "project_voting_figures",
    "publicity_files",
    "recount",
    "results_due",
    "roll_for_staff",
    "roll_unit_id",
    "tally_sheet",
    "turnout",
    "voting_slots",
]
