from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "pmip.decisions"
    label = "decisions"
    verbose_name = "业主决策"
