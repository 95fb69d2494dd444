"""Fund settings, resolved per project: project setting (FundPolicy) > platform setting (settings.PMIP_FUNDS) >
built-in default. Every result that depends on a setting says which one applied (`Policy.source_of`).

Built-in defaults (domain-rules §2, all [configurable]):
- first-deposit cost standard (建安造价, Shenzhen 2010 table): residential with lift 2482 元/m², without lift
  1783 元/m²; the same figures are applied to every unit use unless the project sets others;
- first-deposit rate 2 %;
- monthly (日常) contribution 0.25 元/m²/月 — NOT confirmed from a Shenzhen text: set it per project or platform;
- replenishment line: balance strictly below 30 % of the unit's first deposit;
- interest allocated pro rata to the period-end balance (alternative: average daily balance);
- large-transfer disclosure: common-fund outflows strictly greater than 50,000.00 元.

`settings.PMIP_FUNDS` may hold any of these keys (values as strings or Decimals): cost_standard_lift,
cost_standard_no_lift, first_deposit_rate, monthly_rate, replenish_threshold_pct, interest_method,
disclosure_threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pmip.core.conf import pmip_settings
from pmip.funds.choices import InterestMethod

DEFAULTS: dict[str, Decimal | str] = {
    "cost_standard_lift": Decimal("2482.00"),
    "cost_standard_no_lift": Decimal("1783.00"),
    "first_deposit_rate": Decimal("0.0200"),
    "monthly_rate": Decimal("0.2500"),
    "replenish_threshold_pct": Decimal("30.00"),
    "interest_method": InterestMethod.PERIOD_END.value,
    "disclosure_threshold": Decimal("50000.00"),
}
FIELDS = tuple(DEFAULTS)

SOURCE_PROJECT = "project"
SOURCE_PLATFORM = "platform"
SOURCE_DEFAULT = "default"
SOURCE_LABELS = {
    SOURCE_PROJECT: "本小区设置",
    SOURCE_PLATFORM: "平台设置",
    SOURCE_DEFAULT: "平台默认值",
}


@dataclass(frozen=True)
class Policy:
    cost_standard_lift: Decimal
    cost_standard_no_lift: Decimal
    first_deposit_rate: Decimal
    monthly_rate: Decimal
    replenish_threshold_pct: Decimal
    interest_method: str
    disclosure_threshold: Decimal
    sources: dict[str, str] = field(default_factory=dict)

    def source_of(self, name: str) -> str:
        """'project' | 'platform' | 'default'."""
        return self.sources.get(name, SOURCE_DEFAULT)

    def label_of(self, name: str) -> str:
        return SOURCE_LABELS[self.source_of(name)]

    def as_dict(self) -> dict[str, str]:
        out = {name: str(getattr(self, name)) for name in FIELDS}
        out["sources"] = {name: self.source_of(name) for name in FIELDS}
        return out


def _platform() -> dict:
    return dict(pmip_settings().funds or {})


def _coerce(name: str, value) -> Decimal | str:
    if name == "interest_method":
        value = str(value)
        if value not in InterestMethod.values:
            raise ValueError(f"PMIP_FUNDS[{name!r}] must be one of {InterestMethod.values}")
        return value
    if isinstance(value, float):
        raise TypeError(f"PMIP_FUNDS[{name!r}] must be a string or Decimal, not a float")
    return Decimal(str(value))


def platform_policy() -> Policy:
    platform = _platform()
    values: dict = {}
    sources: dict[str, str] = {}
    for name in FIELDS:
        if platform.get(name) not in (None, ""):
            values[name] = _coerce(name, platform[name])
            sources[name] = SOURCE_PLATFORM
        else:
            values[name] = DEFAULTS[name]
            sources[name] = SOURCE_DEFAULT
    return Policy(**values, sources=sources)


def policy_for(project) -> Policy:
    """The settings that apply to `project` (a Project or its id)."""
    from pmip.funds.models import FundPolicy

    base = platform_policy()
    project_id = getattr(project, "pk", project)
    own = FundPolicy.objects.filter(project_id=project_id).first()
    if own is None:
        return base
    values = {name: getattr(base, name) for name in FIELDS}
    sources = dict(base.sources)
    for name in FIELDS:
        value = getattr(own, name)
        if value not in (None, ""):
            values[name] = value
            sources[name] = SOURCE_PROJECT
    return Policy(**values, sources=sources)
