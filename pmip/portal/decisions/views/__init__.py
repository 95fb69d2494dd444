"""Owner pages of 业主决策 (owner manual ch. 4): 推选投票人, 参与投票 (待投票 / 已投票 / 已统计 / 全部投票), a matter with its
publicity files and 《服务协议》, casting with a confirmation step and a receipt, 查看公示, 查看投票人, the tally sheet
and the bulletin of receipts.

Every page needs the owner log-in and reads only the logged-in account's own data: the URLs carry nothing but ids of
meetings, matters and units, and every page asks the domain again (selectors and services) whether this account may
see or do it — a link shared by someone else opens the viewer's own page. Views never write models: nominations and
ballots go through `pmip.decisions.services`.

By page group: base (shared helpers), landing (home, 切换小区), nominations (推选投票人), voting (参与投票: list, meeting,
matter, confirm, cast, receipt, 服务协议), notices (查看公示, 查看投票人, files), outcome (计票结果, 选票公示, 如何核对).
`urls.py` names the views through this package.
"""

from pmip.portal.decisions.views.landing import home, switch
from pmip.portal.decisions.views.nominations import nominate
from pmip.portal.decisions.views.notices import publicity, publicity_file, voters
from pmip.portal.decisions.views.outcome import bulletin, how_to_check, results
from pmip.portal.decisions.views.voting import agreement, cast, confirm, matter, meeting, receipt, votes

__all__ = [
    "agreement",
    "bulletin",
    "cast",
    "confirm",
    "home",
    "how_to_check",
    "matter",
    "meeting",
    "nominate",
    "publicity",
    "publicity_file",
    "receipt",
    "results",
    "switch",
    "voters",
    "votes",
]
