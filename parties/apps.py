from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "parties"
    verbose_name = "Parties and delegations"

    def ready(self) -> None:
        from . import history  # noqa: F401  (connects the history-party stamp)
        from .two_factor import connect_audit

        connect_audit()
