"""What to do under each warning signal (防御指引), after the Shenzhen meteorological warning guidance, for the
owner page and the property companies' checklist. Plain summaries; the official text stays the authority."""

from __future__ import annotations

GENERAL = {
    "blue": "关注天气变化，做好防御准备。",
    "yellow": "做好防御准备，减少不必要的外出。",
    "orange": "尽量留在室内或安全场所，非必要不外出；物业服务企业启动应急预案。",
    "red": "停止户外活动，留在安全场所；物业服务企业全员到岗，做好应急处置。",
}

BY_TYPE = {
    "台风": "关好门窗，收好阳台花盆等高空物品，加固临时搭建物；远离广告牌、大树和临时建筑。",
    "暴雨": "地下车库、低洼处注意防水浸，及时挪车；不要在积水中行走或驾车，远离河道和山边。",
    "高温": "避免午后户外活动，注意防暑降温，多喝水；关照老人、儿童和慢性病人。",
    "寒冷": "注意防寒保暖，关照老人儿童；使用取暖设备注意用电和防火安全。",
    "森林火险": "进山不带火种，不在林区用火；发现火情立即拨打119。",
    "火险": "注意用火用电安全，不乱扔烟头；发现火情立即拨打119。",
    "大雾": "减少出行，驾车开启雾灯、减速慢行；老人和呼吸道疾病患者减少外出。",
    "灰霾": "减少户外活动，外出佩戴口罩。",
    "雷电": "留在室内，关好门窗，不在大树下或空旷处避雨，少用电器。",
    "大风": "收好阳台物品，远离广告牌和临时搭建物。",
    "冰雹": "留在室内，保护好车辆。",
}

COMPANY_CHECKLIST = (
    "物业服务中心人员到岗值守，公布应急联系电话",
    "检查地下车库挡水板、沙袋和排水泵",
    "巡查高空坠物隐患：外墙、广告牌、阳台物品、树木",
    "关闭或加固公共区域门窗、临时搭建物",
    "在电梯厅、出入口张贴预警提示",
)


def advice(type_name: str, color: str) -> str:
    specific = next((text for key, text in BY_TYPE.items() if key in (type_name or "")), "")
    general = GENERAL.get(color, "关注天气变化。")
    return f"{specific}{general}" if specific else general
