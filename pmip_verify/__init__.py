"""pmip-verify: an independent recount of PMIP's vote results and cost apportionments.

Standard library only: it imports neither Django nor the platform, so anyone can check a published result with a
plain Python 3.12+. See README.md.
"""

from pmip_verify._numbers import VerifyError
from pmip_verify.apportion import apportion, apportion_fen
from pmip_verify.ranking import ranking
from pmip_verify.tally import tally

__all__ = ["VerifyError", "apportion", "apportion_fen", "ranking", "tally"]
__version__ = "1.0.0"
