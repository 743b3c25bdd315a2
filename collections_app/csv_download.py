"""CSV exports of the report pages: one shape for every download."""

import csv

from django.http import HttpResponse


def csv_download(*, filename: str, header: list, rows) -> HttpResponse:
    """UTF-8 with a BOM so that Excel reads the Chinese."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def csv_refused(form) -> HttpResponse:
    """The filter form's errors as one line of text: a download has no page to show them on."""
    errors = [f"{e}" for errors in form.errors.values() for e in errors]
    return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")
