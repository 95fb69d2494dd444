"""Writes of 业主决策 (owners' decisions / e-voting). Every function is one transaction with its audit entry.

Meeting life: draft → noticed → open → closed → published (draft, noticed and open may be cancelled).

- Conveners act only on projects in their scope (`rules.convener_project_q`: the project's own committee role, a
  subdistrict role covering it, or city); any other meeting does not exist for them (NotFound).
- `publish_notice` needs at least one matter, the meeting notice file, and `notice_days` (default 15) full days before
  voting starts. From then on neither the matters nor the schedule nor the rule settings change.
- `open_voting` (convener or the scheduled task, at or after the scheduled start) freezes the voter roll (see
  `roll.py`), stores its SHA-256 and sets the totals of every count row. The roll never changes afterwards.
- `cast_ballots` / `cast_ballot`: the meeting row is share-locked (SELECT … FOR KEY SHARE: casts run side by side)
  and the state and the time are checked under it; the close and the cancel take FOR UPDATE, so they wait for every
  cast in flight and every later cast sees their state — no ballot is accepted after the close's recount. One valid
  ballot per (matter, owner key) — database constraint — covering all the owner's units in the matter's scope; final
  unless the meeting allows changes. A delegate casts for the principal (counted as the principal); a principal with
  a delegation in force may not vote. Lock order, the same for every writer: the owner's valid ballot rows, the
  matter's count rows (F() updates, matter by matter), and last the meeting row for the receipt sequence numbers
  (`UPDATE … RETURNING`, gapless and unique per meeting), held only for the inserts. The receipt is returned.
- Paper ballots (`enter_paper_ballot`) are entered twice by two different staff members; an equal second entry
  creates the ballot, a different one flags a mismatch. An online ballot wins over a paper one for the same owner.
- `close_voting` (at or after the scheduled end) recounts every matter from the ballots; a difference from the
  counters, or a roll that no longer matches its hash, blocks `publish_results` (CountMismatch).
- Audit data never contains a choice: only matter, sequence number, receipt and channel.

Audit actions: decisions.meeting.created / updated / notice_published / opened / closed / results_published /
cancelled, decisions.matter.added / updated / removed, decisions.file.uploaded, decisions.nomination.made,
decisions.ballot.cast, decisions.paper.entered / confirmed / mismatch / not_counted.
"""

from pmip.decisions.services.ballot_rows import receipt_code
from pmip.decisions.services.common import (
    CANDIDATE_NAME_MAX,
    REASON_MAX,
    TITLE_MAX,
    AlreadyVoted,
    CountMismatch,
    MeetingStateError,
    NotEligible,
    VotingNotOpen,
)
from pmip.decisions.services.files import (
    upload_publicity_file,
)
from pmip.decisions.services.matters import add_matter, remove_matter, update_matter
from pmip.decisions.services.meetings import create_meeting, update_meeting
from pmip.decisions.services.paper import enter_paper_ballot
from pmip.decisions.services.transitions import (
    cancel_meeting,
    close_voting,
    open_voting,
    publish_notice,
    publish_results,
)
from pmip.decisions.services.voting import CastResult, cast_ballot, cast_ballots, nominate_voter
from pmip.decisions.storage import file_max_bytes, open_stored_file

__all__ = [
    "AlreadyVoted",
    "CANDIDATE_NAME_MAX",
    "CastResult",
    "CountMismatch",
    "MeetingStateError",
    "NotEligible",
    "REASON_MAX",
    "TITLE_MAX",
    "VotingNotOpen",
    "add_matter",
    "cancel_meeting",
    "cast_ballot",
    "cast_ballots",
    "close_voting",
    "create_meeting",
    "enter_paper_ballot",
    "file_max_bytes",
    "nominate_voter",
    "open_voting",
    "open_stored_file",
    "publish_notice",
    "publish_results",
    "receipt_code",
    "remove_matter",
    "update_matter",
    "update_meeting",
    "upload_publicity_file",
]
