from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "pmip.evaluation"
    label = "evaluation"
    verbose_name = "业主评价"
