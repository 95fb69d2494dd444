"""A re-import that shows a new holder ends the old holder's binding (the unit was sold), in the same transaction."""

from __future__ import annotations

import pytest

from pmip.audit.models import AuditEntry
from pmip.core import clock
from pmip.identity.models import BindingStatus, HouseBinding, OwnerIdentity, VerificationMethod
from pmip.registry.importing import import_registry_rows
from pmip.registry.models import TitleRecord, Unit
from tests.factories import account, mainland_id
from tests.registry.test_import import row

pytestmark = pytest.mark.django_db


def _bind(holder_id: str) -> HouseBinding:
    unit = Unit.objects.get(project__code="4403049101", building__number="1", number="101")
    title = TitleRecord.objects.current().for_id("mainland", holder_id).get(unit=unit)
    owner = account("seller")
    now = clock.now()
    identity = OwnerIdentity(
        account=owner,
        holder_name="张建华",
        mobile="+8613800001111",
        agreement_accepted_at=now,
        verification=VerificationMethod.FACE,
        verified_at=now,
        created_at=now,
        updated_at=now,
    )
    identity.set_id_number("mainland", holder_id)
    identity.save()
    return HouseBinding.objects.create(
        account=owner, unit=unit, project=unit.project, title_record=title, bound_at=now
    )


def test_new_holder_ends_the_old_binding():
    import_registry_rows(actor=None, rows=[row()], source="first.csv")
    binding = _bind(mainland_id(1))

    result = import_registry_rows(
        actor=None, rows=[row(holder_name="李买家", id_number=mainland_id(2))], source="sold.csv"
    )

    binding.refresh_from_db()
    assert result.titles_ended == 1
    assert binding.status == BindingStatus.ENDED
    assert binding.end_reason == "title_changed"
    assert AuditEntry.objects.filter(action="identity.binding.ended", object_id=str(binding.pk)).count() == 1


def test_same_holder_reimported_keeps_the_binding():
    import_registry_rows(actor=None, rows=[row()], source="first.csv")
    binding = _bind(mainland_id(1))

    import_registry_rows(actor=None, rows=[row()], source="again.csv")

    binding.refresh_from_db()
    assert binding.status == BindingStatus.ACTIVE
    assert not AuditEntry.objects.filter(action="identity.binding.ended").exists()
