from pmip.registry.models import Project, TitleRecord


def test_small_city_builds(city, staff):
    assert Project.objects.count() == 4
    record = TitleRecord.objects.first()
    assert record.reveal_id_number() != record.id_number_enc
    assert TitleRecord.objects.for_id("mainland", record.reveal_id_number()).count() == 1
