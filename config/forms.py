"""Form plumbing shared by every app's pages."""

from django.core.exceptions import ValidationError


def add_service_error(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form fields it names (else to the whole form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def form_errors_message(form) -> str:
    """A refused form's errors in one line, each after its field's label, for a page that answers
    with a message (too long a note is told as such, not as a missing choice)."""
    return " ".join(
        f"{form[field].label}: {' '.join(errors)}" if field in form.fields else " ".join(errors)
        for field, errors in form.errors.items()
    )
