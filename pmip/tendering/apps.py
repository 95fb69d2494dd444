from django.apps import AppConfig


class TenderingConfig(AppConfig):
    name = "pmip.tendering"
    label = "tendering"
    verbose_name = "招标投标"

    def ready(self) -> None:
        # Registers the fan-out audience of tender pushes (needed in every worker process).
        from pmip.tendering import notices  # noqa: F401
