"""The registry import's columns (docs/import-format.md): keys, Chinese headers, which are required, and the words
each choice column accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from pmip.core.idnumbers import ID_TYPES
from pmip.registry.choices import AreaSource, UnitUse


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("project_code", "物业项目编号", True),
    Column("project_name", "物业项目名称", True),
    Column("district", "行政区", True),
    Column("subdistrict", "街道", True),
    Column("community", "社区"),
    Column("address", "项目地址", True),
    Column("service_phone", "客服电话"),
    Column("building_number", "楼栋号", True),
    Column("building_floors", "楼栋层数"),
    Column("has_lift", "有无电梯"),
    Column("unit_number", "房号", True),
    Column("floor", "所在楼层", True),
    Column("use", "房屋用途", True),
    Column("area", "专有部分面积", True),
    Column("area_source", "面积来源"),
    Column("delivered", "已交付"),
    Column("developer_held", "建设单位持有"),
    Column("holder_name", "产权人姓名"),
    Column("id_type", "证件类型"),
    Column("id_number", "证件号码"),
    Column("share", "产权份额"),
    Column("registered_on", "登记日期"),
    Column("certificate_no", "不动产权证书号"),
)
BY_KEY = {c.key: c for c in COLUMNS}
HEADER_TO_KEY = {c.header: c.key for c in COLUMNS} | {c.key: c.key for c in COLUMNS}

USE = (
    {label: value for value, label in UnitUse.choices} | {v: v for v in UnitUse.values} | {"车库": "parking"}
)
AREA_SOURCE = (
    {label: value for value, label in AreaSource.choices}
    | {v: v for v in AreaSource.values}
    | {"登记": "registered", "登记面积": "registered", "实测": "surveyed", "合同": "contract"}
)
ID_TYPE = (
    {label: value for value, label in ID_TYPES.items()} | {v: v for v in ID_TYPES} | {"身份证": "mainland"}
)
YES = {"是", "有", "y", "yes", "true", "1", "已交付"}
NO = {"否", "无", "n", "no", "false", "0", "未交付"}
CODE_RE = re.compile(r"[0-9A-Za-z\-]{1,32}")
PHONE_RE = re.compile(r"[0-9+\-() ]{5,30}")
MAX_AREA = Decimal("99999999.99")
MAX_NUMBER = Decimal("999999999999")  # any decimal cell; each column has its own tighter rule
