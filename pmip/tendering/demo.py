"""Demo data of issue 11 (招标投标, 小区气象公告栏, 互动交流 / 政民互动, the meetings' notices), all through the real
services, dated relative to today; called by `demo_city` after its meetings and by `demo_tendering`.

- Weather: one refresh through the configured provider (the embedded stand-in shows a forecast for every district
  and one 暴雨橙色预警 for 福田区).
- Tenders of the 莲花街道 projects (demo_subdistrict records them; demo_city where the subdistrict has fewer
  projects): the flagship's up to 评标结果公示, another complete to 合同备案 with its winner, a third just announced.
  Each recorded step is a push to the project's owners.
- Enquiries of the demo owners: 张伟明 asks the property company (answered, rated 满意) and reports a broken lift
  that was not answered in time (escalated to the 街道办, answered there, waiting for his rating); 陈建国 asks the
  福田区 housing bureau (政民互动) with consent to publish, it is answered, rated and published anonymised.
- Meetings: the closed demo meeting gets the reminder it would have had two days before its close, so it shows
  all four notices (notice, voting opened, reminder, results).
- Every recorded push is expanded at once (the inbox shows it without waiting for the worker).

Idempotent: each part does nothing when its data is there.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from pmip.core import clock, workdays
from pmip.decisions import notices as meeting_notices
from pmip.decisions.choices import MeetingState
from pmip.decisions.models import Meeting
from pmip.enquiries import public
from pmip.enquiries import services as enquiries
from pmip.enquiries.models import Enquiry
from pmip.identity.models import Account
from pmip.notifications import fanout
from pmip.notifications.models import Broadcast, BroadcastState
from pmip.registry.models import District, Project, PropertyCompany
from pmip.tendering import services
from pmip.tendering.choices import NOTICES, ORDER, Step
from pmip.tendering.models import Tender, TenderStep
from pmip.weather.services import refresh_all

OWNER_PLAIN = "+8613900000001"  # 张伟明 (pmip.demo.specs)
OWNER_MULTI = "+8613900000004"  # 陈建国


def seed_demo_owner_services(*, stdout=None) -> dict[str, int]:
    counts = {"weather_districts": refresh_all().get("districts", 0)}
    counts["tenders"] = _tenders()
    counts["enquiries"] = _enquiries()
    counts["meeting_reminders"] = _reminders()
    counts["pushes_expanded"] = _expand()
    if stdout is not None:
        stdout.write("招标、气象、咨询演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return counts


def _account(username: str) -> Account | None:
    return Account.objects.filter(username=username).first()


# --- tenders ----------------------------------------------------------------------------------------------------


def _next_day(recorded: list[TenderStep], step: str) -> dt.date:
    """The first working day `step` may have after the recorded steps (a stage waits for every notice period)."""
    bound = recorded[-1].date if recorded else clock.today()
    for row in recorded:
        if step not in NOTICES and row.period_ends is not None:
            bound = max(bound, row.period_ends + dt.timedelta(days=1))
        bound = max(bound, row.date)
    return workdays.next_working_day(bound) if step not in NOTICES else bound


def _tender(actor, project, companies, *, title: str, until: str, days_ago: int) -> Tender:
    tender = services.create_tender(
        actor=actor,
        project_id=project.pk,
        title=title,
        tenderer_kind="developer",
        method="public",
        agent="深圳市演示招标代理有限公司",
    )
    for company in companies:
        services.add_bidder(actor=actor, tender_id=tender.pk, credit_code=company.credit_code)
    recorded: list[TenderStep] = []
    start = workdays.next_working_day(clock.today() - dt.timedelta(days=days_ago))
    for step in ORDER[: ORDER.index(until) + 1]:
        day = _next_day(recorded, step) if recorded else start
        if day > clock.today():
            break
        winner = tender.bidders.order_by("pk").first() if step == Step.WINNING else None
        recorded.append(
            services.record_step(
                actor=actor,
                tender_id=tender.pk,
                step=step,
                date=day,
                winner_bidder_id=winner.pk if winner else None,
                note="演示数据" if step == Step.TENDER else "",
            )
        )
    return tender


def _tenders() -> int:
    if Tender.objects.exists():
        return 0
    subdistrict, city = _account("demo_subdistrict"), _account("demo_city")
    companies = list(PropertyCompany.objects.order_by("pk")[:3])
    projects = list(Project.objects.filter(subdistrict__name="莲花街道").order_by("code")[:3])
    others = []
    if city is not None:
        others = list(
            Project.objects.exclude(pk__in=[p.pk for p in projects]).order_by("code")[: 3 - len(projects)]
        )
    if subdistrict is None or not projects or len(companies) < 3:
        return 0
    plan = [
        (Step.EVALUATION_RESULT, 40, "物业服务招标（演示）"),
        (Step.CONTRACT, 75, "前期物业服务招标（演示，已完成）"),
        (Step.ANNOUNCEMENT, 2, "物业服务招标（演示，公告中）"),
    ]
    made = 0
    for project, (until, days_ago, suffix) in zip([*projects, *others], plan, strict=False):
        actor = subdistrict if project in projects else city
        _tender(actor, project, companies, title=f"{project.name}{suffix}", until=until, days_ago=days_ago)
        made += 1
    return made


# --- enquiries --------------------------------------------------------------------------------------------------


def _ago(days: float) -> dt.datetime:
    return clock.now() - dt.timedelta(days=days)


def _enquiries() -> int:
    # Kept whole: three scripted stories told in order under a frozen clock; each step needs the one before.
    if Enquiry.objects.exists():
        return 0
    plain = Account.objects.filter(mobile=OWNER_PLAIN).first()
    multi = Account.objects.filter(mobile=OWNER_MULTI).first()
    company, subdistrict, district = (
        _account("demo_company"),
        _account("demo_subdistrict"),
        _account("demo_district"),
    )
    flagship = Project.objects.filter(subdistrict__name="莲花街道").order_by("code").first()
    if (
        plain is None
        or multi is None
        or company is None
        or subdistrict is None
        or district is None
        or flagship is None
    ):
        return 0
    made = 0
    # 1. a question to the property company, answered the next day, rated 满意
    with clock.frozen(_ago(6)):
        asked = enquiries.open_enquiry(
            actor=plain, channel="community", category="consult", title="门禁卡丢失如何补办？",
            text="我的门禁卡丢了，请问去哪里补办，需要带什么材料，费用多少？", project_id=flagship.pk,
        )  # fmt: skip
    made += 1
    if asked.level == "company":
        with clock.frozen(_ago(5)):
            enquiries.answer(
                actor=company, enquiry_id=asked.pk,
                text="您好，请携带身份证到1栋大堂物业服务中心办理，工本费20元，当场可取。",
            )  # fmt: skip
        with clock.frozen(_ago(4)):
            enquiries.rate(actor=plain, enquiry_id=asked.pk, rating="satisfied")
    # 2. a broken lift the company did not answer in time: escalated to the 街道办, answered there
    asked_at = _ago(12)
    with clock.frozen(asked_at):
        lift = enquiries.open_enquiry(
            actor=plain, channel="community", category="repair", title="2栋电梯频繁停运",
            text="2栋电梯本周已停运三次，老人上下楼很困难，报修后一直没有人来处理。", project_id=flagship.pk,
        )  # fmt: skip
    made += 1
    overdue_on = lift.due_date + dt.timedelta(days=1)
    if overdue_on <= clock.today():
        with clock.frozen(
            clock.now().replace(year=overdue_on.year, month=overdue_on.month, day=overdue_on.day)
        ):
            enquiries.escalate_overdue(today=overdue_on)
        lift.refresh_from_db()
        if lift.level == "subdistrict":
            enquiries.accept(actor=subdistrict, enquiry_id=lift.pk)
            enquiries.answer(
                actor=subdistrict, enquiry_id=lift.pk,
                text="街道已约谈物业服务企业，电梯维保单位今日已完成检修；街道将在一个月内每周抽查电梯运行情况。",
            )  # fmt: skip
    # 3. 政民互动 to the district's housing bureau, with consent: answered, rated, published anonymised
    futian = District.objects.filter(name="福田区").first()
    with clock.frozen(_ago(9)):
        gov = enquiries.open_enquiry(
            actor=multi, channel="government", category="consult", title="维修资金能否用于更换电梯？",
            text=f"我是{flagship.name}的业主陈建国，电话13900000004。小区电梯已使用十八年，"
            "请问能否申请使用专项维修资金整体更换，需要经过哪些程序？",
            district_id=futian.pk if futian else None, public_consent=True,
        )  # fmt: skip
    made += 1
    scope = enquiries.office_q(district)
    if scope is not None and Enquiry.objects.filter(scope, pk=gov.pk).exists():
        with clock.frozen(_ago(7)):
            enquiries.answer(
                actor=district, enquiry_id=gov.pk,
                text="电梯整体更换属于共用设施设备的更新改造，可以申请使用专项维修资金：由业委会或物业服务企业提出"
                "方案，经专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与表决，并经参与表决的业主"
                "双过半同意后，向街道办备案申请拨付。",
            )  # fmt: skip
        with clock.frozen(_ago(6)):
            enquiries.rate(actor=multi, enquiry_id=gov.pk, rating="satisfied")
            public.publish(actor=district, enquiry_id=gov.pk)
    return made


# --- meetings ---------------------------------------------------------------------------------------------------


def _reminders() -> int:
    """The closed demo meetings' reminder, as the periodic task would have recorded it before their close."""
    made = 0
    for meeting in Meeting.objects.filter(state=MeetingState.PUBLISHED, description__startswith="演示数据"):
        if Broadcast.objects.filter(key=f"decisions.meeting.{meeting.pk}.reminder").exists():
            continue
        at = meeting.voting_ends_at - dt.timedelta(days=meeting_notices.reminder_days())
        with clock.frozen(at), transaction.atomic():
            _, created = meeting_notices.reminder(meeting)
        made += created
    return made


def _expand() -> int:
    done = 0
    for pk in (
        Broadcast.objects.exclude(state=BroadcastState.DONE).order_by("pk").values_list("pk", flat=True)
    ):
        fanout.expand(pk, budget_seconds=300)
        done += 1
    return done
