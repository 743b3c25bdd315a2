"""A service's ValidationError shown on the form that called it."""

from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError, rename: dict | None = None) -> None:
    """Field errors onto their fields (`rename` maps a service field to a form field);
    anything else, or a field the form lacks, as a form-wide error."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.message_dict.items():
        name = (rename or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)
