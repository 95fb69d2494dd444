from django.db import migrations

DEFAULTS = {
    "office": ["服务态度", "环境卫生", "秩序维护", "设施维护", "收费公开"],
    "committee": ["履职尽责", "公开透明", "沟通协调"],
}


def seed(apps, schema_editor):
    Item = apps.get_model("evaluation", "EvaluationItem")
    for target, names in DEFAULTS.items():
        for position, name in enumerate(names, start=1):
            Item.objects.get_or_create(target=target, name=name, defaults={"position": position})
    apps.get_model("evaluation", "EvaluationPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
