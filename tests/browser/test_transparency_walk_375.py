"""Chromium at 375 px through issue 11's owner pages: a tender's push in 我的消息 opening the timeline, the weather
page of the project with a warning in force, an enquiry asked on the phone that escalates when overdue and is
answered by the next office (the owner rates it), a meeting's four notices in the inbox, and 公开答复
(/enquiries/answers/: search, open an answer), normal and in 长辈模式, with no horizontal overflow (issue 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from pmip.core import clock, workdays
from pmip.decisions import services as decisions
from pmip.decisions.tasks import remind_voters
from pmip.enquiries import public as public_answers
from pmip.enquiries import services as enquiries
from pmip.enquiries.models import Enquiry, Level, PublicAnswer
from pmip.identity.services import set_elder_mode
from pmip.notifications import fanout
from pmip.notifications.models import Broadcast
from pmip.registry.models import PropertyCompany
from pmip.tendering import services as tendering
from pmip.tendering.choices import Step
from pmip.weather.services import location_of, refresh_all
from tests import factories
from tests.browser.test_offline_walk import assert_fits_phone, logged_in_cookie
from tests.decisions import factories as f

pytestmark = pytest.mark.browser


def _deliver_all():
    for broadcast in Broadcast.objects.order_by("pk"):
        fanout.expand(broadcast.pk)


def _tender(city, staff):
    actor = staff["lianhua"]
    project = city.projects["lianhua"]
    tender = tendering.create_tender(
        actor=actor, project_id=project.pk, title="莲花山庄物业服务招标", tenderer_kind="developer",
        method="public", agent="深圳某招标代理有限公司",
    )  # fmt: skip
    for i in range(3):
        company = PropertyCompany.objects.create(
            name=f"投标物业{i}有限公司", credit_code=f"91440300MA5WALK{i:03d}"
        )
        tendering.add_bidder(actor=actor, tender_id=tender.pk, credit_code=company.credit_code)
    day = workdays.next_working_day(clock.today() - dt.timedelta(days=30))
    tendering.record_step(actor=actor, tender_id=tender.pk, step=Step.TENDER, date=day)
    notice = tendering.record_step(actor=actor, tender_id=tender.pk, step=Step.ANNOUNCEMENT, date=day)
    opening = workdays.next_working_day(notice.period_ends + dt.timedelta(days=1))
    tendering.record_step(actor=actor, tender_id=tender.pk, step=Step.OPENING, date=opening)
    return tender


def _meeting_with_four_notices(city, staff, unit):
    convener = staff["committee"]
    meeting = f.noticed_meeting(convener, city.projects["lianhua"], [f.question()])
    with clock.frozen(f.T_START):
        decisions.open_voting(actor=convener, meeting_id=meeting.pk)
    with clock.frozen(f.T_END - dt.timedelta(days=1)):
        assert remind_voters.call() == 1  # the owner has not voted
    f.close(convener, meeting)
    with clock.frozen(f.T_END + dt.timedelta(hours=1)):
        decisions.publish_results(actor=convener, meeting_id=meeting.pk)
    return meeting


def published_answer(city, staff, asker) -> PublicAnswer:
    """A 政民互动 question asked with consent, answered by 福田区 and published (anonymised) — long enough to wrap."""
    enquiry = enquiries.open_enquiry(
        actor=asker, channel="government", category="consult", title="维修资金能否用于更换小区电梯",
        text="小区2栋电梯已使用二十年，经常停运。请问更换电梯能否申请使用住宅专项维修资金？需要业主大会怎样表决，"
        "申请材料有哪些，资金多久能到位？" * 2,
        district_id=city.districts["futian"].pk, project_id=city.projects["lianhua"].pk, public_consent=True,
    )  # fmt: skip
    enquiries.answer(
        actor=staff["futian"],
        enquiry_id=enquiry.pk,
        text="您好：电梯更换属于共用设施设备的更新改造，可以申请使用维修资金。须经专有部分面积占比三分之二以上且人数"
        "占比三分之二以上的业主参与表决，并经参与表决的业主中面积和人数均四分之三以上同意（民法典第二百七十八条）。"
        "表决通过后，由业委会或物业服务企业提交使用方案、预算和表决结果，经审核后拨付。",
    )
    return public_answers.publish(actor=staff["futian"], enquiry_id=enquiry.pk)


def walk_public_answers(page, site, answer: PublicAnswer) -> None:
    """公开答复 at 375 px: the list, a search, one answer opened; nothing runs off the side."""
    page.goto(f"{site}/enquiries/answers/")
    expect(page.locator("#answers")).to_contain_text(answer.title)
    assert_fits_phone(page)
    page.locator("#answers-q").fill("电梯")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(f"{site}/enquiries/answers/?q=%E7%94%B5%E6%A2%AF")
    item = page.locator("#answers details").first
    item.locator("summary").click()
    expect(item).to_contain_text("可以申请使用维修资金")
    expect(item).to_contain_text("福田区")
    assert_fits_phone(page)


def test_tender_push_weather_warning_enquiry_escalated_and_meeting_notices(
    site, browser, phone_page, settings, tmp_path, a11y
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    city = factories.small_city()
    staff = factories.staff_accounts(city)
    lianhua = city.projects["lianhua"]
    owner = f.person("王业主")
    unit = f.unit(lianhua, "9-101", "80.00")
    f.own(unit, owner)

    tender = _tender(city, staff)
    meeting = _meeting_with_four_notices(city, staff, unit)
    settings.PMIP_WEATHER_BACKEND = "embedded"
    settings.PMIP_WEATHER_DEMO_WARNING_LOCATION = location_of(city.districts["futian"])
    assert refresh_all()["issued"] >= 1
    _deliver_all()

    page = phone_page
    page.set_default_timeout(30_000)  # a loaded runner renders the first pages slowly
    page.context.add_cookies([logged_in_cookie(owner.account, site)])

    # --- 招标投标: the push of each stage is in 我的消息 and opens the timeline ------------------------------------
    page.goto(f"{site}/me/messages/")
    messages = page.locator("#messages")
    expect(messages).to_contain_text("招标进入开标阶段")
    expect(
        messages.locator(".pm-inbox-item__meta").first
    ).to_be_visible()  # date and excerpt under each title
    expect(messages).to_contain_text("招标公告文件公示")
    assert_fits_phone(page)
    messages.locator("a", has_text="招标进入开标阶段").first.click()
    expect(page.locator("#message")).to_contain_text("莲花山庄物业服务招标")
    page.locator("#open-link").click()
    expect(page).to_have_url(f"{site}/tendering/{tender.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline.locator("#step-tender")).to_be_visible()
    expect(timeline.locator("#step-announcement")).to_contain_text("公示5个工作日")
    expect(timeline.locator("#step-opening")).to_be_visible()
    expect(timeline).to_contain_text("未开始")  # 评标 and later
    expect(page.locator("#bidders")).to_contain_text("投标物业0有限公司")
    assert_fits_phone(page)

    # --- 小区气象公告栏: search, 确定选择, the warning in force with what to do ----------------------------------
    page.goto(f"{site}/weather/")
    page.locator("#q").fill("莲花")
    page.get_by_role("button", name="搜索").click()
    page.locator("#choose").get_by_role("button", name="确定选择").click()
    expect(page.locator("#chosen")).to_contain_text("莲花山庄")
    warning = page.locator(".wx-warning").first
    expect(warning).to_contain_text("暴雨橙色预警信号")
    expect(warning).to_contain_text("防御指引")
    expect(page.locator("#days")).to_be_visible()
    assert_fits_phone(page)

    # --- 互动交流: asked on the phone, overdue → escalated to the subdistrict, answered there, rated ------------
    page.goto(f"{site}/enquiries/community/new/")
    page.locator("select[name=category]").select_option("consult")
    page.locator("select[name=project_id]").select_option(str(lianhua.pk))
    page.locator("input[name=title]").fill("电梯经常停运")
    page.locator("textarea[name=text]").fill("2栋电梯本周停运三次，请尽快检修。")
    assert_fits_phone(page)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#state")).to_contain_text("待受理")
    enquiry = Enquiry.objects.get(title="电梯经常停运")
    assert enquiry.level == Level.COMPANY
    assert enquiries.escalate_overdue(today=enquiry.due_date + dt.timedelta(days=1)) == 1
    enquiry.refresh_from_db()
    assert enquiry.level == Level.SUBDISTRICT

    desk = browser.new_context(locale="zh-CN")
    office = desk.new_page()
    office.set_default_timeout(30_000)
    desk.add_cookies([logged_in_cookie(staff["lianhua"], site)])
    office.goto(f"{site}/office/enquiries/{enquiry.pk}/")
    expect(office.locator("#conversation")).to_contain_text("未在期限内答复")
    office.locator("#answer textarea[name=text]").fill("已督促物业公司今日完成检修，并将每周检查电梯运行。")
    office.get_by_role("button", name="发送答复").click()
    expect(office.locator("body")).to_contain_text("已答复")
    desk.close()

    page.reload()
    conversation = page.locator("#conversation")
    expect(conversation).to_contain_text("已转莲花街道办理")
    expect(conversation).to_contain_text("已督促物业公司今日完成检修")
    expect(page.locator("#state")).to_contain_text("已答复")
    page.locator("#rate").get_by_role("button", name="满意", exact=True).click()
    expect(page.locator("#state")).to_contain_text("已办结")
    expect(page.locator("#state")).to_contain_text("满意")
    assert_fits_phone(page)

    # --- the meeting's four notices, once each, in 我的消息 --------------------------------------------------------
    _deliver_all()  # the enquiry's notices too
    page.goto(f"{site}/me/messages/")
    messages = page.locator("#messages")
    for title in ("会议公告", "开始投票", "投票提醒", "表决结果公布"):
        expect(messages.locator("a", has_text=f"{title}：{meeting.title}")).to_have_count(1)
    expect(messages).to_contain_text("您的咨询已答复：电梯经常停运")
    expect(messages).to_contain_text("您的咨询已转莲花街道办理")
    messages.locator("a", has_text="表决结果公布").click()
    page.locator("#open-link").click()
    expect(page).to_have_url(f"{site}/decisions/meetings/{meeting.pk}/")
    assert_fits_phone(page)

    # --- 公开答复 (政民互动's published answers), then the same in 长辈模式 ----------------------------------------
    answer = published_answer(city, staff, owner.account)
    walk_public_answers(page, site, answer)
    set_elder_mode(actor=owner.account, on=True)
    walk_public_answers(page, site, answer)
    assert page.evaluate("document.body.classList.contains('pm-elder')")
    page.goto(f"{site}/me/messages/")  # 长辈模式: fewer items per screen, rows collapse to their titles
    expect(page.locator("#messages .pm-inbox-item__title").first).to_be_visible()
    expect(page.locator("#messages .pm-inbox-item__meta").first).to_be_hidden()
    assert_fits_phone(page)
    assert any(
        "/enquiries/answers/" in url for url in a11y.checked
    )  # axe-core ran on it (0 serious/critical)
    assert page.js_errors == []
