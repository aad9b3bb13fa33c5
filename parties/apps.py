from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "parties"
    verbose_name = "Parties and delegations"

    def ready(self) -> None:
        from . import (
            agency,  # noqa: F401  (registers the agency sign-in check)
            history,  # noqa: F401  (connects the history-party stamp)
        )
        from .admin import keep_out_of_admin, leave_other_apps_to_superusers

        # After the admin's own ready(), which registered every app's admin.
        keep_out_of_admin()
        leave_other_apps_to_superusers()
        from .two_factor import connect_audit

        connect_audit()
        from . import lockout

        lockout.connect_audit()
