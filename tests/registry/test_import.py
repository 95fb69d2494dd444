"""The registry import: happy path (CSV and XLSX), every validation error with its row, all-or-nothing, idempotency,
permissions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from pmip.audit.models import AuditEntry
from pmip.core.errors import PermissionDenied
from pmip.demo import registry_digest
from pmip.registry.importing import COLUMNS, ImportRejected, SourceRow, import_registry_rows, read_table
from pmip.registry.models import Building, Community, District, Project, Subdistrict, TitleRecord, Unit
from tests.factories import account, mainland_id

SAMPLE = Path(__file__).parent / "data" / "registry-sample.csv"
HEADER = {c.key: c.header for c in COLUMNS}

BASE = {
    "project_code": "4403049101",
    "project_name": "翠竹苑",
    "district": "福田区",
    "subdistrict": "莲花街道",
    "community": "莲花北社区",
    "address": "深圳市福田区莲花街道红荔路2001号",
    "service_phone": "0755-83000001",
    "building_number": "1",
    "unit_number": "101",
    "floor": "1",
    "use": "住宅",
    "area": "89.37",
    "area_source": "不动产登记面积",
    "delivered": "是",
    "developer_held": "否",
    "holder_name": "张建华",
    "id_type": "居民身份证",
    "id_number": mainland_id(1),
    "share": "1",
    "registered_on": "2015-06-01",
}
NO_HOLDER = {"holder_name": "", "id_type": "", "id_number": "", "share": "", "registered_on": ""}


def row(**changes) -> dict[str, str]:
    return {**BASE, **changes}


def write_csv(path: Path, rows: list[dict], *, encoding: str = "utf-8", english: bool = False) -> Path:
    keys = list(BASE)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(keys if english else [HEADER[k] for k in keys])
    for r in rows:
        writer.writerow([r.get(k, "") for k in keys])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (District, Subdistrict, Community, Project, Building, Unit, TitleRecord, AuditEntry)
    )


def run(path: Path, **kwargs) -> str:
    out = io.StringIO()
    call_command("import_registry", str(path), stdout=out, **kwargs)
    return out.getvalue()


def test_sample_file_imports_projects_buildings_units_and_holders(db):
    out = run(SAMPLE)
    assert out.splitlines() == [
        "导入完成：registry-sample.csv，共11行。",
        "  行政区：新建 2，更新 0，未变 0",
        "  街道：新建 2，更新 0，未变 0",
        "  社区：新建 2，更新 0，未变 0",
        "  物业项目：新建 2，更新 0，未变 0",
        "  楼栋：新建 3，更新 0，未变 0",
        "  房屋：新建 10，更新 0，未变 0",
        "  产权登记：新建 8，更新 0，未变 0",
    ]
    p = Project.objects.select_related("district", "subdistrict", "community").get(code="4403049101")
    assert (
        p.name,
        p.name_initials,
        p.district.code,
        p.subdistrict.name,
        p.community.name,
        p.service_phone,
    ) == (
        "翠竹苑",
        "czy",
        "440304",
        "莲花街道",
        "莲花北社区",
        "0755-83000001",
    )
    assert list(p.buildings.order_by("number").values_list("number", "floors", "has_lift")) == [
        ("1", 18, True),
        ("地库", 1, True),
    ]
    u = Unit.objects.get(project=p, building__number="1", number="102")
    assert (u.floor, u.use, u.area, u.area_source, u.delivered, u.developer_held) == (
        1,
        "residential",
        Decimal("76.52"),
        "registered",
        True,
        False,
    )
    co = list(u.titles.order_by("holder_name"))
    assert [(t.holder_name, t.share, t.registered_on) for t in co] == [
        ("刘芳", Decimal("0.5000"), dt.date(2016, 3, 2)),
        ("陈志强", Decimal("0.5000"), dt.date(2016, 3, 2)),
    ]
    assert co[0].reveal_id_number() == "44030419780903042X"
    assert co[0].id_number_masked == "440***********042X"
    held = Unit.objects.get(project=p, building__number="地库", number="B1-002")
    assert (held.developer_held, held.delivered, held.area_source, held.titles.count()) == (
        True,
        False,
        "surveyed",
        0,
    )
    owner_units = TitleRecord.objects.for_id("mainland", "44030419750412031X")
    assert sorted(t.unit.number for t in owner_units) == ["101", "B1-001"]
    assert TitleRecord.objects.get(holder_name="MARIA GARCIA").reveal_id_number() == "P1234567"
    entry = AuditEntry.objects.get()
    assert entry.action == "registry.import.completed"
    assert entry.actor is None
    assert entry.data["source"] == "registry-sample.csv"
    assert entry.data["created"] == {
        "districts": 2,
        "subdistricts": 2,
        "communities": 2,
        "projects": 2,
        "buildings": 3,
        "units": 10,
        "titles": 8,
    }
    assert "44030419750412031X" not in str(entry.data)


def test_second_import_of_the_same_file_changes_nothing(db):
    run(SAMPLE)
    before = registry_digest()
    stamps = sorted(Unit.objects.values_list("id", "area")) + sorted(
        TitleRecord.objects.values_list("id", "updated_at")
    )
    out = run(SAMPLE)
    assert out.splitlines()[1:] == [
        "  物业项目：新建 0，更新 0，未变 2",
        "  楼栋：新建 0，更新 0，未变 3",
        "  房屋：新建 0，更新 0，未变 10",
        "  产权登记：新建 0，更新 0，未变 8",
    ]
    assert registry_digest() == before
    assert (
        sorted(Unit.objects.values_list("id", "area"))
        + sorted(TitleRecord.objects.values_list("id", "updated_at"))
        == stamps
    )
    second = AuditEntry.objects.order_by("id").last()
    assert second.data["created"] == {} and second.data["updated"] == {}
    assert AuditEntry.objects.count() == 2


def test_changed_file_updates_units_and_ends_replaced_holders(db, tmp_path):
    write_csv(
        tmp_path / "v1.csv", [row(), row(unit_number="102", id_number=mainland_id(2), holder_name="李娜")]
    )
    run(tmp_path / "v1.csv")
    old = TitleRecord.objects.get(holder_name="李娜")
    write_csv(
        tmp_path / "v2.csv",
        [
            row(area="90.01"),
            row(unit_number="102", id_number=mainland_id(3), holder_name="周杰"),
        ],
    )
    out = run(tmp_path / "v2.csv")
    assert out.splitlines()[1:] == [
        "  物业项目：新建 0，更新 0，未变 1",
        "  楼栋：新建 0，更新 0，未变 1",
        "  房屋：新建 0，更新 1，未变 1",
        "  产权登记：新建 1，更新 0，未变 1",
        "  终止的原产权登记（产权人已变更）：1",
    ]
    assert Unit.objects.get(number="101").area == Decimal("90.01")
    old.refresh_from_db()
    assert old.ended_on is not None
    assert [t.holder_name for t in TitleRecord.objects.current().filter(unit__number="102")] == ["周杰"]


def test_xlsx_with_numeric_and_date_cells(db, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([HEADER[k] for k in BASE])
    ws.append([*(row()[k] for k in list(BASE)[:8]), 101, 1, "住宅", 89.37, "不动产登记面积", True, False, "张建华",
               "居民身份证", mainland_id(1), 1, dt.datetime(2015, 6, 1)])  # fmt: skip
    ws.append([*(row()[k] for k in list(BASE)[:8]), 1201, 12, "商业", 120, "实测面积", "是", "否", "", "", "", None,
               None])  # fmt: skip
    path = tmp_path / "registry.xlsx"
    wb.save(path)
    out = run(path)
    assert "  房屋：新建 2，更新 0，未变 0" in out.splitlines()
    units = {u.number: u for u in Unit.objects.all()}
    assert (units["101"].area, units["101"].floor, units["101"].delivered) == (Decimal("89.37"), 1, True)
    assert (units["1201"].area, units["1201"].use, units["1201"].area_source) == (
        Decimal("120.00"),
        "commercial",
        "surveyed",
    )
    title = TitleRecord.objects.get()
    assert (title.registered_on, title.reveal_id_number()) == (dt.date(2015, 6, 1), mainland_id(1))
    # Same data as CSV: importing the CSV equivalent afterwards changes nothing.
    write_csv(
        tmp_path / "same.csv",
        [
            row(),
            row(
                unit_number="1201", floor="12", use="商业", area="120.00", area_source="实测面积", **NO_HOLDER
            ),
        ],
    )
    assert "  房屋：新建 0，更新 0，未变 2" in run(tmp_path / "same.csv").splitlines()


def test_xlsx_numeric_id_number_is_refused(db, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([HEADER[k] for k in BASE])
    ws.append(
        [*(row()[k] for k in list(BASE)[:15]), "张建华", "居民身份证", 440304197001010011, "1", "2015-06-01"]
    )
    path = tmp_path / "numeric.xlsx"
    wb.save(path)
    with pytest.raises(ImportRejected) as exc:
        import_registry_rows(actor=None, rows=read_table(path), source="numeric.xlsx")
    assert [str(e) for e in exc.value.errors] == [
        "第2行：证件号码请以文本格式填写（数字格式会丢失位数或末位X）。"
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_and_english_headers(db, tmp_path, encoding):
    write_csv(tmp_path / "a.csv", [row()], encoding=encoding)
    write_csv(
        tmp_path / "b.csv",
        [row(unit_number="102", id_number=mainland_id(2))],
        english=True,
        encoding=encoding,
    )
    assert "  产权登记：新建 1，更新 0，未变 0" in run(tmp_path / "a.csv").splitlines()
    assert "  产权登记：新建 1，更新 0，未变 0" in run(tmp_path / "b.csv").splitlines()
    assert sorted(Unit.objects.values_list("number", flat=True)) == ["101", "102"]


def test_every_validation_error_is_reported_with_its_row_and_nothing_is_written(db, tmp_path):
    bad_check = mainland_id(2)[:-1] + ("0" if mainland_id(2)[-1] != "0" else "1")
    rows = [
        row(),  # 2: valid
        row(unit_number="102", id_number=bad_check),  # 3
        row(unit_number="103", area="0"),  # 4
        row(unit_number="104", area="89.123"),  # 5
        row(project_code="4403049102", district="火星区"),  # 6
        row(project_code="4403049103", subdistrict="粤海街道"),  # 7
        row(unit_number="105", use="别墅"),  # 8
        row(unit_number="106", share="1.5"),  # 9
        row(unit_number="107", id_number=mainland_id(3), share="0.6"),  # 10
        row(unit_number="107", id_number=mainland_id(4), share="0.6"),  # 11
        row(),  # 12: duplicate of row 2
        row(unit_number="108", id_type="", id_number=""),  # 13
        row(area="90.00", **NO_HOLDER),  # 14: same unit as row 2, other area
        row(unit_number="109", project_name="翠竹苑二期"),  # 15
        row(unit_number="110", delivered="也许"),  # 16
        row(unit_number=""),  # 17
        row(unit_number="111", id_type="护照", id_number="AB-12"),  # 18
        row(unit_number="112", floor="三楼"),  # 19
        row(unit_number="113", id_type="军官证"),  # 20
        row(unit_number="114", registered_on="2020-13-01"),  # 21
        row(unit_number="115", area_source="估算"),  # 22
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ImportRejected) as exc:
        import_registry_rows(actor=None, rows=read_table(path), source="bad.csv")
    assert [str(e) for e in exc.value.errors] == [
        "第3行：居民身份证号码校验位不正确，请核对后重新输入。",
        "第4行：专有部分面积必须大于0。",
        "第5行：“专有部分面积”最多保留2位小数，现为“89.123”。",
        "第6行：未知的行政区“火星区”，应为：罗湖区、福田区、南山区、宝安区、龙岗区、盐田区、龙华区、坪山区、光明区、大鹏新区。",
        "第7行：“粤海街道”不是福田区的街道，请核对街道名称（如“莲花街道”）。",
        "第8行：“房屋用途”的值“别墅”无法识别，可填：住宅、商业、办公、车位、储藏室、车库。",
        "第9行：产权份额应大于0且不超过1，现为1.5。",
        "第11行：房屋“1栋107”各产权人的产权份额合计1.2，超过1（共有人请分别填写份额，如0.5）。",
        "第12行：与第2行重复（同一房屋的同一产权人）。",
        "第13行：填写了产权人信息时，证件类型、证件号码也必须填写。",
        "第14行：房屋“1栋101”的专有部分面积与第2行不一致。",
        "第15行：物业项目“4403049101”的物业项目名称与第2行不一致。",
        "第16行：“已交付”应填“是”或“否”，现为“也许”。",
        "第17行：“房号”不能为空。",
        "第18行：护照号码应为5至20位字母或数字。",
        "第19行：“所在楼层”应为整数，现为“三楼”。",
        "第20行：“证件类型”的值“军官证”无法识别，可填：居民身份证、港澳台居民居住证、港澳居民来往内地通行证、"
        "台湾居民来往大陆通行证、外国人永久居留身份证、护照、身份证。",
        "第21行：“登记日期”应为日期，如2020-05-01，现为“2020-13-01”。",
        "第22行：“面积来源”的值“估算”无法识别，可填：不动产登记面积、实测面积、合同面积、登记、登记面积、实测、合同。",
    ]
    assert exc.value.message == "导入文件共有19处错误，未导入任何数据。请修改后重新导入。"
    assert counts() == (0, 0, 0, 0, 0, 0, 0, 0)


def test_header_errors(db):
    rows = [SourceRow(2, {"物业项目编号": "1", "楼号": "1", "area": "1", "专有部分面积": "2"})]
    with pytest.raises(ImportRejected) as exc:
        import_registry_rows(actor=None, rows=rows, source="x.csv")
    messages = [str(e) for e in exc.value.errors]
    assert "表头：无法识别的列“楼号”。可用的列见导入格式说明。" in messages
    assert "表头：列“area”和“专有部分面积”是同一列（专有部分面积）。" in messages
    assert "表头：缺少必填列“房号”（unit_number）。" in messages
    assert "表头：缺少必填列“物业项目编号”（project_code）。" not in messages
    assert len(messages) == 2 + 8  # 8 required columns missing: name, district, subdistrict, address, ...
    assert counts() == (0, 0, 0, 0, 0, 0, 0, 0)


def test_one_bad_row_at_the_end_rejects_the_whole_file(db, tmp_path):
    good = [
        row(unit_number=f"{f}0{k}", floor=str(f), id_number=mainland_id(f * 10 + k))
        for f in (1, 2, 3)
        for k in (1, 2, 3)
    ]
    path = write_csv(tmp_path / "fresh.csv", [*good, row(unit_number="999", area="-5")])
    with pytest.raises(CommandError, match="导入文件共有1处错误，未导入任何数据"):
        run(path, stderr=io.StringIO())
    assert counts() == (0, 0, 0, 0, 0, 0, 0, 0)

    run(write_csv(tmp_path / "ok.csv", good))
    digest, before = registry_digest(), counts()
    changed = [row(**{**r, "area": "100.00", "holder_name": "改名"}) for r in good]
    err = io.StringIO()
    with pytest.raises(CommandError):
        run(
            write_csv(tmp_path / "changed.csv", [*changed, row(unit_number="999", id_number="123")]),
            stderr=err,
        )
    assert err.getvalue() == "第11行：居民身份证号码应为18位，由17位数字和1位数字或字母X组成。\n"
    assert (registry_digest(), counts()) == (digest, before)


def test_unreadable_files(db, tmp_path):
    (tmp_path / "a.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "b.xlsx").write_bytes(b"not a zip")
    (tmp_path / "c.csv").write_bytes("物业项目编号,物业项目名称\n".encode())
    assert [str(e) for e in _rejected(tmp_path / "a.xls")] == [
        "只支持 .xlsx 或 .csv 文件（.xls 请另存为 .xlsx）。"
    ]
    assert [str(e) for e in _rejected(tmp_path / "b.xlsx")] == [
        "无法读取该Excel文件，请确认是 .xlsx 格式且未损坏。"
    ]
    assert [str(e) for e in _rejected(tmp_path / "c.csv")] == ["第1行：只有表头，没有数据行。"]


def _rejected(path: Path):
    with pytest.raises(ImportRejected) as exc:
        read_table(path)
    return exc.value.errors


def test_staff_import_is_limited_to_their_editable_scope(db, staff, tmp_path):
    lianhua = {"district": "福田区", "subdistrict": "莲花街道"}
    yuehai = {"district": "南山区", "subdistrict": "粤海街道", "community": "粤海社区"}
    path = write_csv(
        tmp_path / "scope.csv",
        [
            row(**lianhua),
            row(
                project_code="4403059201", project_name="海韵苑", address="深圳市南山区粤海街道1号", **yuehai
            ),
        ],
    )
    rows = read_table(path)
    before = counts()
    with pytest.raises(ImportRejected) as exc:
        import_registry_rows(actor=staff["lianhua"], rows=rows, source="scope.csv")
    assert [str(e) for e in exc.value.errors] == [
        "第3行：物业项目“4403059201”不在您可编辑的范围内，不能导入。"
    ]
    assert counts() == before

    result = import_registry_rows(actor=staff["city"], rows=rows, source="scope.csv")
    assert result.created["projects"] == 2
    entry = AuditEntry.objects.get(action="registry.import.completed")
    assert entry.actor == staff["city"]

    for viewer in (staff["futian"], staff["company"], account("owner1")):  # read-only roles, or none
        with pytest.raises(PermissionDenied):
            import_registry_rows(actor=viewer, rows=rows, source="scope.csv")

    # A committee may update its own project but not create one.
    own = row(project_code="440304001", project_name="莲花山庄", address="深圳市福田区莲花街道莲花山庄",
              community="莲花社区", service_phone="0755-88881234", unit_number="301", floor="3",
              id_number=mainland_id(40))  # fmt: skip
    ok = import_registry_rows(actor=staff["committee"], rows=[SourceRow(2, own)], source="own.csv")
    assert (ok.created["units"], ok.unchanged["projects"]) == (1, 1)
    with pytest.raises(ImportRejected, match="1处错误"):
        import_registry_rows(
            actor=staff["committee"], rows=[SourceRow(2, row(project_code="X1"))], source="new.csv"
        )


def test_command_with_actor(db, staff, tmp_path):
    path = write_csv(tmp_path / "a.csv", [row()])
    with pytest.raises(CommandError, match="找不到账号“nobody”"):
        run(path, actor="nobody")
    assert "  物业项目：新建 1，更新 0，未变 0" in run(path, actor="staff_lianhua").splitlines()
    assert AuditEntry.objects.get(action="registry.import.completed").actor == staff["lianhua"]
