"""维修: record a repair with an apportionment preview, then a confirmed post — what is posted is exactly what the
preview showed; every refusal writes nothing."""

from __future__ import annotations

import re
from decimal import Decimal

from pmip.audit.models import AuditEntry
from pmip.funds.models import Disclosure, LedgerEntry, Repair, RepairShare, UnitBalance
from pmip.registry.models import Unit
from tests.office_funds.conftest import BASE, LIANHUA
from tests.office_funds.support import table, text

D = Decimal
NEW = f"{BASE}/{LIANHUA}/repairs/new/"
PREVIEW_ROWS = [
    ["1-101", "90.00", "301.26", "补1分"],
    ["1-102", "88.50", "296.23", ""],
    ["1-201", "120.25", "402.51", ""],
]


def repair_form(units, **changes) -> dict:
    data = {
        "title": "1栋电梯维修",
        "contractor": "深圳市快捷电梯工程有限公司",
        "amount": "1,000.00",
        "started_on": "2026-03-01",
        "finished_on": "2026-03-05",
        "scope_kind": "buildings",
        "buildings": [str(units["1-101"].building_id)],
        "unit_codes": "",
        "emergency_kind": "",
        "decision_ref": "LH-2026-01",
        "description": "更换曳引机钢丝绳",
        "action": "preview",
    }
    data.update(changes)
    return data


def digest_of(response) -> str:
    return re.search(r'name="preview_digest" value="([0-9a-f]{64})"', response.content.decode()).group(1)


def test_preview_shows_every_share_the_sum_and_the_rule_and_writes_nothing(client_for, units):
    client = client_for("city")
    response = client.post(NEW, repair_form(units))

    assert response.status_code == 200
    rows, foot = table(response, "preview-table")
    assert rows == PREVIEW_ROWS
    assert foot == [["合计（3 户）", "298.75", "1,000.00", ""]]
    page = text(response)
    assert "按专有部分面积分摊（《民法典》第二百八十三条）" in page
    assert "分摊合计 1,000.00 元" in page
    assert Repair.objects.count() == 0
    assert LedgerEntry.objects.count() == 0
    assert AuditEntry.objects.filter(action__startswith="funds.").count() == 0


def test_preview_then_confirmed_post_posts_exactly_the_preview(client_for, units, deposits):
    client = client_for("city")
    preview = client.post(NEW, repair_form(units))
    shown = {row[0]: D(row[2]) for row in table(preview, "preview-table")[0]}

    response = client.post(
        NEW, repair_form(units, action="post", confirm="on", preview_digest=digest_of(preview))
    )

    repair = Repair.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/{LIANHUA}/repairs/{repair.pk}/"
    assert repair.status == "charged"
    assert {s.label: s.amount for s in RepairShare.objects.filter(repair=repair)} == shown
    posted = {
        f"{e.building.number}-{e.unit.number}": -e.amount
        for e in LedgerEntry.objects.filter(repair=repair).select_related("unit", "building")
    }
    assert posted == shown == {"1-101": D("301.26"), "1-102": D("296.23"), "1-201": D("402.51")}
    assert UnitBalance.objects.get(unit=units["1-101"]).balance == D("4467.60") - D("301.26")
    assert list(
        AuditEntry.objects.filter(action__startswith="funds.repair")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["funds.repair.created", "funds.repair.charged"]

    detail = client.get(response["Location"])
    rows, foot = table(detail, "shares-table")
    assert rows == [row[:3] for row in PREVIEW_ROWS]
    assert foot == [["合计（3 户）", "298.75", "1,000.00"]]


def test_confirm_box_and_changed_form_write_nothing(client_for, units, deposits):
    client = client_for("city")
    preview = client.post(NEW, repair_form(units))
    digest = digest_of(preview)

    unticked = client.post(NEW, repair_form(units, action="post", preview_digest=digest))
    assert "请勾选确认后再提交。" in text(unticked)

    changed = client.post(
        NEW, repair_form(units, amount="1,000.01", action="post", confirm="on", preview_digest=digest)
    )
    assert "内容已修改，分摊结果随之变化。请核对下面新的分摊预览后再确认。" in text(changed)
    assert table(changed, "preview-table")[1] == [["合计（3 户）", "298.75", "1,000.01", ""]]
    assert digest_of(changed) != digest

    assert Repair.objects.count() == 0
    assert LedgerEntry.objects.filter(repair__isnull=False).count() == 0


def test_post_without_a_decision_writes_nothing_at_all(client_for, units, deposits):
    client = client_for("city")
    form = repair_form(units, decision_ref="")
    preview = client.post(NEW, form)
    response = client.post(
        NEW, {**form, "action": "post", "confirm": "on", "preview_digest": digest_of(preview)}
    )

    assert response.status_code == 200
    assert "使用维修资金须经业主共同决定；请先填写业主共同决定编号（紧急维修除外）。" in text(response)
    assert Repair.objects.count() == 0  # create and charge are one transaction on this page
    assert AuditEntry.objects.filter(action__startswith="funds.repair").count() == 0


def test_emergency_repair_is_posted_before_a_vote_and_a_disclosure_draft_is_created(
    client_for, units, deposits
):
    client = client_for("city")
    form = repair_form(units, decision_ref="", emergency_kind="lift")
    preview = client.post(NEW, form)
    response = client.post(
        NEW, {**form, "action": "post", "confirm": "on", "preview_digest": digest_of(preview)}, follow=True
    )

    repair = Repair.objects.get()
    assert repair.status == "charged"
    disclosure = Disclosure.objects.get(repair=repair)
    assert (disclosure.kind, disclosure.status, disclosure.title) == (
        "emergency_repair",
        "draft",
        "紧急维修公示：1栋电梯维修",
    )
    page = text(response)
    assert "这是未经表决的紧急维修，系统已生成紧急维修公示草稿，请核对后公示。" in page
    assert "相关公示 紧急维修公示：1栋电梯维修 （待公示）" in page


def test_units_scope_by_code_and_unknown_codes(client_for, units, deposits):
    client = client_for("city")
    bad = client.post(
        NEW, repair_form(units, scope_kind="units", buildings=[], unit_codes="1-101, 9-999，1-9")
    )
    assert "本小区没有以下房屋：9-999、1-9。" in text(bad)
    malformed = client.post(NEW, repair_form(units, scope_kind="units", buildings=[], unit_codes="1101"))
    assert "房号格式应为“楼栋号-房号”，如 1-101：1101。" in text(malformed)

    good = client.post(NEW, repair_form(units, scope_kind="units", buildings=[], unit_codes="2-102\n1-101"))
    assert table(good, "preview-table")[0] == [
        ["1-101", "90.00", "600.00", ""],
        ["2-102", "60.00", "400.00", ""],
    ]
    assert Repair.objects.count() == 0


def test_committee_records_a_draft_and_the_city_charges_it_from_the_detail_preview(
    client_for, units, deposits
):
    committee = client_for("committee")
    preview = committee.post(NEW, repair_form(units))
    assert "登记并分摊入账" not in preview.content.decode()  # no ledger role: no such button
    saved = committee.post(
        NEW, repair_form(units, action="save", confirm="on", preview_digest=digest_of(preview))
    )
    repair = Repair.objects.get()
    assert saved.status_code == 302
    assert (repair.status, LedgerEntry.objects.filter(repair=repair).count()) == ("draft", 0)
    assert "确认按上表分摊入账" not in committee.get(saved["Location"]).content.decode()

    city = client_for("city")
    detail = city.get(f"{BASE}/{LIANHUA}/repairs/{repair.pk}/")
    assert [row[:3] for row in table(detail, "preview-table")[0]] == [row[:3] for row in PREVIEW_ROWS]
    charge_url = f"{BASE}/{LIANHUA}/repairs/{repair.pk}/charge/"

    # the area of a unit in scope changes between the preview and the post: refused, new preview shown
    Unit.objects.filter(pk=units["1-201"].pk).update(area=D("120.30"))
    stale = city.post(charge_url, {"preview_digest": digest_of(detail), "confirm": "on"})
    assert stale.status_code == 422
    assert "分摊结果已变化（房屋或面积有更新）。请核对新的分摊预览后再确认。" in text(stale)
    assert LedgerEntry.objects.filter(repair=repair).count() == 0

    fresh = city.get(f"{BASE}/{LIANHUA}/repairs/{repair.pk}/")
    shown = {row[0]: D(row[2]) for row in table(fresh, "preview-table")[0]}
    response = city.post(
        charge_url, {"preview_digest": digest_of(fresh), "confirm": "on", "occurred_on": "2026-03-12"}
    )
    assert response.status_code == 302
    assert {s.label: s.amount for s in RepairShare.objects.filter(repair=repair)} == shown
    assert set(LedgerEntry.objects.filter(repair=repair).values_list("occurred_on", flat=True)) == {
        __import__("datetime").date(2026, 3, 12)
    }


def test_committee_cannot_post_and_charge_is_refused_without_writing(client_for, units, deposits):
    committee = client_for("committee")
    preview = committee.post(NEW, repair_form(units))
    response = committee.post(
        NEW, repair_form(units, action="post", confirm="on", preview_digest=digest_of(preview))
    )
    assert response.status_code == 403
    assert Repair.objects.count() == 0

    city = client_for("city")
    draft_preview = city.post(NEW, repair_form(units))
    city.post(NEW, repair_form(units, action="save", confirm="on", preview_digest=digest_of(draft_preview)))
    repair = Repair.objects.get()
    refused = committee.post(
        f"{BASE}/{LIANHUA}/repairs/{repair.pk}/charge/",
        {"preview_digest": digest_of(draft_preview), "confirm": "on"},
    )
    assert refused.status_code == 403
    assert "只有负责该小区的住房建设部门（可编辑角色）可以办理维修资金记账。" in text(refused)
    assert (Repair.objects.get().status, LedgerEntry.objects.filter(repair=repair).count()) == ("draft", 0)


def test_cancelling_a_charged_repair_reverses_every_share(client_for, units, deposits):
    city = client_for("city")
    preview = city.post(NEW, repair_form(units))
    city.post(NEW, repair_form(units, action="post", confirm="on", preview_digest=digest_of(preview)))
    repair = Repair.objects.get()
    url = f"{BASE}/{LIANHUA}/repairs/{repair.pk}/cancel/"

    no_reason = city.post(url, {"confirm": "on"})
    assert "请填写撤销原因。" in text(no_reason)
    assert Repair.objects.get().status == "charged"

    response = city.post(url, {"reason": "施工单位退回全部款项", "confirm": "on"})
    assert response.status_code == 302
    assert Repair.objects.get().status == "cancelled"
    reversals = LedgerEntry.objects.filter(repair=repair, kind="reversal")
    assert sorted(reversals.values_list("amount", flat=True)) == [D("296.23"), D("301.26"), D("402.51")]
    assert LedgerEntry.objects.filter(repair=repair, kind="repair_charge").count() == 3  # the charges stay
    assert UnitBalance.objects.get(unit=units["1-101"]).balance == D("4467.60")


def test_committee_adds_the_decision_number_to_a_draft_on_the_edit_page(client_for, units, deposits):
    committee = client_for("committee")
    form = repair_form(units, decision_ref="")
    preview = committee.post(NEW, form)
    saved = committee.post(
        NEW, {**form, "action": "save", "confirm": "on", "preview_digest": digest_of(preview)}
    )
    repair = Repair.objects.get()
    assert saved.status_code == 302 and repair.decision_ref == ""
    detail = committee.get(f"{BASE}/{LIANHUA}/repairs/{repair.pk}/")
    assert "补填业主共同决定编号" in text(detail) and "修改维修记录" in text(detail)

    edit_url = f"{BASE}/{LIANHUA}/repairs/{repair.pk}/edit/"
    page = committee.get(edit_url)
    assert page.status_code == 200 and "1栋电梯维修" in page.content.decode()
    bad = committee.post(edit_url, {**form, "amount": "abc"})
    assert bad.status_code == 422
    repair.refresh_from_db()
    assert (
        repair.amount == D("1000.00") and not AuditEntry.objects.filter(action="funds.repair.edited").exists()
    )

    done = committee.post(edit_url, {**form, "decision_ref": "LH-2026-09"}, follow=True)
    assert "维修记录已修改：1栋电梯维修。" in text(done) and "LH-2026-09" in text(done)
    repair.refresh_from_db()
    assert repair.decision_ref == "LH-2026-09"
    audit = AuditEntry.objects.get(action="funds.repair.edited")
    assert audit.data["changes"] == {"decision_ref": {"from": "", "to": "LH-2026-09"}}


def test_a_charged_repair_has_no_edit_and_the_edit_page_refuses(client_for, units, deposits):
    city = client_for("city")
    form = repair_form(units)
    preview = city.post(NEW, form)
    city.post(NEW, {**form, "action": "post", "confirm": "on", "preview_digest": digest_of(preview)})
    repair = Repair.objects.get()
    assert repair.status == "charged"
    assert "修改维修记录" not in text(city.get(f"{BASE}/{LIANHUA}/repairs/{repair.pk}/"))
    edit_url = f"{BASE}/{LIANHUA}/repairs/{repair.pk}/edit/"
    assert "不能修改" in text(city.get(edit_url))
    refused = city.post(edit_url, {**form, "decision_ref": "X-1"})
    assert refused.status_code == 422 and "该维修记录已分摊入账，不能修改。" in text(refused)
    repair.refresh_from_db()
    assert repair.decision_ref == "LH-2026-01"
    assert not AuditEntry.objects.filter(action="funds.repair.edited").exists()
