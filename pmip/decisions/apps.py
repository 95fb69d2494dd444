from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "pmip.decisions"
    label = "decisions"
    verbose_name = "业主决策"

    def ready(self) -> None:
        # Registers the decisions audiences of the notification fan-out (needed in every worker process).
        from pmip.decisions import notices  # noqa: F401
