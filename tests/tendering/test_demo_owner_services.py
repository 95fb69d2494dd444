"""`demo_city` (hence `make run`) loads issue 11's demo data through the services: tenders at several stages with
their pushes, the weather with a warning, enquiries answered / escalated / rated / published, and the closed
meeting's four notices in the demo owner's inbox."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from pmip.decisions.choices import MeetingState
from pmip.decisions.models import Meeting
from pmip.enquiries.models import Enquiry, PublicAnswer, State
from pmip.identity.models import Account
from pmip.notifications.models import Broadcast, BroadcastState, Notification
from pmip.tendering.choices import Step
from pmip.tendering.models import Tender
from pmip.tendering.selectors import current_stage
from pmip.weather.models import WeatherWarning

pytestmark = pytest.mark.django_db


def test_demo_city_loads_owner_services(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.PMIP_WEATHER_BACKEND = "embedded"
    settings.PMIP_WEATHER_DEMO_WARNING_LOCATION = "114.05,22.52"
    out = io.StringIO()
    call_command("demo_city", "--scale", "tiny", "--seed", "1", "--no-progress", "--no-funds", stdout=out)
    assert "招标、气象、咨询演示数据" in out.getvalue()

    stages = sorted(current_stage(t) for t in Tender.objects.all())
    assert len(stages) >= 2 and len(set(stages)) == len(stages)  # several stages
    assert Tender.objects.filter(steps__step=Step.EVALUATION_RESULT).exists()
    assert WeatherWarning.objects.filter(color="orange", ended_at__isnull=True).exists()

    plain = Account.objects.get(mobile="+8613900000001")
    mine = {e.title: e for e in Enquiry.objects.filter(asker=plain)}
    assert (
        mine["门禁卡丢失如何补办？"].state == State.CLOSED
        and mine["门禁卡丢失如何补办？"].rating == "satisfied"
    )
    lift = mine["2栋电梯频繁停运"]
    assert lift.escalations == 1 and lift.level == "subdistrict" and lift.state == State.ANSWERED
    published = PublicAnswer.objects.get()
    assert "陈建国" not in published.question and "13900000004" not in published.question

    closed = Meeting.objects.filter(state=MeetingState.PUBLISHED, project__code="4403040001").first()
    events = set(
        Broadcast.objects.filter(key__startswith=f"decisions.meeting.{closed.pk}.").values_list(
            "key", flat=True
        )
    )
    assert {k.rsplit(".", 1)[1] for k in events} == {"notice", "voting_opened", "reminder", "results"}
    assert not Broadcast.objects.exclude(state=BroadcastState.DONE).exists()
    inbox = Notification.objects.filter(recipient=plain)
    assert inbox.filter(kind__startswith="tendering.step.").exists()
    assert inbox.filter(kind="enquiries.asker.notice", title__contains="已转").exists()
    told = set(inbox.filter(link=f"/decisions/meetings/{closed.pk}/").values_list("kind", flat=True))
    assert {
        "decisions.meeting.notice",
        "decisions.meeting.voting_opened",
        "decisions.meeting.results",
    } <= told

    again = io.StringIO()
    call_command("demo_tendering", "--if-empty", stdout=again)
    assert "tenders 0" in again.getvalue() and "enquiries 0" in again.getvalue()
