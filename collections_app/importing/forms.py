from django import forms
from django.utils.translation import gettext_lazy as _

from collections_app.models.imports import IMPORT_KINDS

MAX_UPLOAD = 200 * 1024 * 1024  # larger exports go through the command line


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IMPORT_KINDS)
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=[("utf-8", "UTF-8"), ("gbk", "GBK")], initial="utf-8"
    )
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(_("Upload a .csv file."))
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Files over 200 MB are imported from the command line."))
        return upload
