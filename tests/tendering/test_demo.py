"""The demo command loads tenders through the services and refreshes the stand-in weather."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from pmip.core import clock
from pmip.identity.models import AccountKind, ScopeLevel, StaffRole
from pmip.registry.models import PropertyCompany
from pmip.tendering.models import Tender
from pmip.weather.models import DistrictWeather, WeatherWarning
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_tendering(city, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    district = city.districts["futian"]
    district.name = "福田区"
    district.save()
    PropertyCompany.objects.create(name="第三物业", credit_code="91440300MA5DEMO003")
    user = factories.account("demo_subdistrict", kind=AccountKind.STAFF, mobile="+8613700000003")
    StaffRole.objects.create(
        account=user, level=ScopeLevel.SUBDISTRICT, subdistrict=city.subdistricts["lianhua"], can_edit=True
    )
    with clock.frozen(dt.datetime(2025, 12, 20, 2, 0, tzinfo=dt.UTC)):
        call_command("demo_tendering", "--if-empty")
        call_command("demo_tendering", "--if-empty")
    tender = Tender.objects.get(project=city.projects["lianhua"])
    assert tender.bidders.count() == 3 and tender.steps.count() == 7
    done = Tender.objects.get(project=city.projects["jinghua"])  # the second project of 莲花街道: complete
    assert done.steps.filter(step="contract").exists() and done.bidders.filter(winner=True).count() == 1
    assert Tender.objects.count() == 2  # no demo_city account: nothing outside the subdistrict
    assert DistrictWeather.objects.filter(district=district).exists()
    assert WeatherWarning.objects.filter(district=district, color="orange").count() == 1
