from django import forms
from django.utils.translation import gettext_lazy as _

from collections_app.models.imports import IMPORT_KINDS

MAX_UPLOAD = 200 * 1024 * 1024  # larger exports go through the command line
MAX_XLSX = 20 * 1024 * 1024  # workbooks are unpacked in memory: small ones only


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IMPORT_KINDS)
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=[("utf-8", "UTF-8"), ("gbk", "GBK")], initial="utf-8"
    )
    file = forms.FileField(label=_("CSV or XLSX file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if name.endswith(".xlsx") and upload.size > MAX_XLSX:
            raise forms.ValidationError(_("Workbooks over 20 MB: export them as CSV."))
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Files over 200 MB are imported from the command line."))
        return upload
