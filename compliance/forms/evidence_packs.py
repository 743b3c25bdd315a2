"""The evidence-pack request: the public id of one case or one visit."""

from django import forms
from django.utils.translation import gettext_lazy as _


class EvidencePackForm(forms.Form):
    case = forms.UUIDField(label=_("Case id"), required=False)
    visit = forms.UUIDField(label=_("Visit id"), required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("case") and data.get("visit"):
            self.add_error("visit", _("A pack is about one case or one visit: give only one."))
        elif not data.get("case") and not data.get("visit"):
            self.add_error("case", _("Give the id of the case or of the visit."))
        return data
