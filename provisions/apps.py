from django.apps import AppConfig


class ProvisionsConfig(AppConfig):
    name = "provisions"
    verbose_name = "Provisions"

    def ready(self):
        from . import history  # noqa: F401  (connects the one-row-per-version guard)
