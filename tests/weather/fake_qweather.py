"""A local fake of the QWeather (和风天气) v7 API: now, 7d and warning/now, with the API-key header checked."""

from __future__ import annotations

from tests.integrations.fakes import FakeServer, Recorded, Reply

KEY = "test-qweather-key"


class FakeQWeather(FakeServer):
    def __init__(self, *, warnings: list[dict] | None = None, fail: str = ""):
        super().__init__()
        self.warnings = warnings if warnings is not None else []
        self.fail = fail  # "", "401", "code" (JSON code 402), "garbage"

    def handle(self, request: Recorded) -> Reply:
        if request.headers.get("x-qw-api-key") != KEY or "key" in request.query:
            return Reply(
                401,
                {
                    "error": {
                        "status": 401,
                        "type": "https://dev.qweather.com/docs/resource/error-code/#unauthorized",
                    }
                },
            )
        if not request.query.get("location"):
            return Reply(400, {"error": {"status": 400}})
        if self.fail == "code":
            return Reply(200, {"code": "402"})
        if self.fail == "garbage":
            return Reply(200, b"<html>oops</html>")
        if request.path == "/v7/weather/now":
            return Reply(200, {
                "code": "200", "updateTime": "2026-07-01T10:00+08:00",
                "now": {"obsTime": "2026-07-01T09:50+08:00", "temp": "31", "text": "雷阵雨", "humidity": "85",
                        "windDir": "南风", "windScale": "3"},
            })  # fmt: skip
        if request.path == "/v7/weather/7d":
            return Reply(200, {
                "code": "200",
                "daily": [
                    {"fxDate": f"2026-07-0{i + 1}", "tempMax": str(32 + i % 2), "tempMin": "26",
                     "textDay": "雷阵雨", "textNight": "多云"}
                    for i in range(7)
                ],
            })  # fmt: skip
        if request.path == "/v7/warning/now":
            return Reply(200, {"code": "200", "warning": self.warnings})
        return Reply(404, {"error": {"status": 404}})


RAINSTORM_RED = {
    "id": "10128060101-20260701093000-1003",
    "sender": "深圳市气象台",
    "pubTime": "2026-07-01T09:30+08:00",
    "title": "深圳市气象台发布暴雨红色预警信号",
    "startTime": "2026-07-01T09:30+08:00",
    "endTime": "2026-07-01T15:30+08:00",
    "status": "active",
    "severity": "Extreme",
    "severityColor": "Red",
    "type": "1003",
    "typeName": "暴雨",
    "text": "过去3小时福田区降雨量已超过100毫米，且降雨将持续。",
}
