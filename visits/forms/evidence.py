"""The evidence upload: one file. What it is and whether it fits is the service's judgement."""

from django import forms
from django.utils.translation import gettext_lazy as _

# What the phone's file picker offers; the server still checks the bytes.
ACCEPT = "image/jpeg,image/png,audio/*"


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or recording"),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
