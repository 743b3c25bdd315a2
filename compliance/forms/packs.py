"""Forms for rule-pack versions: name a draft, edit it rule by rule, publish it.

The edit form's field names are the document paths (`rules.VISIT_WINDOW.params.end.value`),
so the schema's PackError path lands next to the field it names. The form only shapes the
input; `policy_from_pack` (called by the service) is the validation.
"""

import copy
import json
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from compliance.rules.facts import CONSENTS, FLAGS, LOCATION_TYPES
from compliance.rules.policy import ALLOW, CONFIDENCE, DOCUMENTS, RULE_PARAMS
from compliance.rules.results import Severity
from compliance.selectors.packs import HEADER_KEYS, STAGES
from visits.forms.planning import LocalDateTimeInput

SEVERITIES = [(s.value, s.value) for s in Severity]
NONE = [("", "—")]
CONTROL = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}
SPLIT = str.maketrans({",": "\n", "，": "\n", "、": "\n"})


class DraftCreateForm(forms.Form):
    version = forms.CharField(
        label=_("Version"),
        max_length=32,
        required=False,
        help_text=_("Leave empty for the next free sub-version, e.g. CN-2026.2.1."),
    )
    notes = forms.CharField(
        label=_("Why this version"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class PublishForm(forms.Form):
    effective_from = forms.DateTimeField(
        label=_("Effective from"),
        widget=LocalDateTimeInput(),
        help_text=_(
            "Now or later, in your time zone. The version in force keeps applying until then."
        ),
    )


@dataclass(frozen=True)
class ParamFields:
    name: str
    kind: str
    values: tuple  # bound fields: one, or for locations (place, severity, consent) per place
    places: tuple[str, ...]
    source: forms.BoundField
    confidence: forms.BoundField


@dataclass(frozen=True)
class RuleFields:
    code: str
    applies: forms.BoundField
    severity: forms.BoundField
    citation: forms.BoundField
    params: tuple[ParamFields, ...]


class PackEditForm(forms.Form):
    """Every rule of the schema with its switch, severity, citation and typed parameters, the
    document's other sections as JSON, and the notes."""

    def __init__(self, document: dict, *args, notes: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.base = document
        rules = document.get("rules") if isinstance(document.get("rules"), dict) else {}
        for code in RULE_PARAMS:
            self._add_rule(code, rules.get(code) if isinstance(rules.get(code), dict) else {})
        extra = {k: v for k, v in document.items() if k not in HEADER_KEYS}
        self.fields["sections"] = forms.CharField(
            label=_("Other sections (JSON)"),
            required=False,
            initial=json.dumps(extra, indent=2, ensure_ascii=False),
            widget=forms.Textarea(
                attrs={**CONTROL, "rows": 6, "class": CONTROL["class"] + " font-monospace"}
            ),
        )
        self.fields["notes"] = forms.CharField(
            label=_("Notes"),
            required=False,
            initial=notes,
            widget=forms.Textarea(attrs={**CONTROL, "rows": 2}),
        )
        self.pack_errors: list[tuple[str, str]] = []

    # --- fields --------------------------------------------------------------------------

    def _add_rule(self, code: str, entry: dict) -> None:
        path = f"rules.{code}"
        self.fields[f"{path}.applies"] = forms.BooleanField(
            required=False,
            initial=entry.get("applies"),
            widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        )
        self.fields[f"{path}.severity"] = forms.ChoiceField(
            choices=SEVERITIES, initial=entry.get("severity"), widget=forms.Select(attrs=SELECT)
        )
        self.fields[f"{path}.citation"] = forms.CharField(
            required=False,
            initial=entry.get("citation", ""),
            widget=forms.Textarea(attrs={**CONTROL, "rows": 2}),
        )
        params = entry.get("params") if isinstance(entry.get("params"), dict) else {}
        for name, kind in RULE_PARAMS[code].items():
            param = params.get(name) if isinstance(params.get(name), dict) else {}
            self._add_param(f"{path}.params.{name}", kind, param)

    def _add_param(self, path: str, kind: str, param: dict) -> None:
        value = param.get("value")
        base = kind.rstrip("?")
        if base == "locations":
            value = value if isinstance(value, dict) else {}
            for place in LOCATION_TYPES:
                entry = value.get(place) if isinstance(value.get(place), dict) else {}
                self.fields[f"{path}.value.{place}.severity"] = forms.ChoiceField(
                    choices=[(ALLOW, ALLOW), *SEVERITIES],
                    initial=entry.get("severity"),
                    widget=forms.Select(attrs=SELECT),
                )
                self.fields[f"{path}.value.{place}.consent"] = forms.ChoiceField(
                    choices=NONE + [(c, c) for c in sorted(CONSENTS)],
                    required=False,
                    initial=entry.get("consent") or "",
                    widget=forms.Select(attrs=SELECT),
                )
        else:
            self.fields[f"{path}.value"] = _value_field(base, kind.endswith("?"), value)
        self.fields[f"{path}.source"] = forms.CharField(
            required=False,
            initial=param.get("source", ""),
            widget=forms.TextInput(attrs=CONTROL),
        )
        self.fields[f"{path}.confidence"] = forms.ChoiceField(
            choices=[(c, c) for c in CONFIDENCE],
            initial=param.get("confidence"),
            widget=forms.Select(attrs=SELECT),
        )

    def rule_fields(self) -> list[tuple[str, list[RuleFields]]]:
        """The bound fields per stage and rule, for the template."""
        return [
            (stage, [self._rule_fields(code) for code in codes if code in RULE_PARAMS])
            for stage, codes in STAGES
        ]

    def _rule_fields(self, code: str) -> RuleFields:
        path = f"rules.{code}"
        params = []
        for name, kind in RULE_PARAMS[code].items():
            p = f"{path}.params.{name}"
            if kind.rstrip("?") == "locations":
                values = tuple(
                    (x, self[f"{p}.value.{x}.severity"], self[f"{p}.value.{x}.consent"])
                    for x in LOCATION_TYPES
                )
                places = LOCATION_TYPES
            else:
                values, places = (self[f"{p}.value"],), ()
            params.append(
                ParamFields(
                    name, kind, values, places, self[f"{p}.source"], self[f"{p}.confidence"]
                )
            )
        return RuleFields(
            code,
            self[f"{path}.applies"],
            self[f"{path}.severity"],
            self[f"{path}.citation"],
            tuple(params),
        )

    # --- the document --------------------------------------------------------------------

    def clean_sections(self) -> dict:
        text = self.cleaned_data["sections"].strip() or "{}"
        try:
            sections = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError(_("Not valid JSON: %(error)s") % {"error": error}) from None
        if not isinstance(sections, dict):
            raise ValidationError(_("Expected a JSON object of sections."))
        if reserved := sorted(set(sections) & set(HEADER_KEYS)):
            raise ValidationError(
                _("These keys are not sections: %(keys)s") % {"keys": ", ".join(reserved)}
            )
        return sections

    def document(self) -> dict:
        """The edited document: the header kept, every rule from the fields, the sections."""
        data = self.cleaned_data
        rules = {}
        for code, spec in RULE_PARAMS.items():
            path = f"rules.{code}"
            params = {}
            for name, kind in spec.items():
                p = f"{path}.params.{name}"
                params[name] = {
                    "value": self._value(p, kind),
                    "source": data[f"{p}.source"].strip(),
                    "confidence": data[f"{p}.confidence"],
                }
            rules[code] = {
                "applies": data[f"{path}.applies"],
                "severity": data[f"{path}.severity"],
                "citation": data[f"{path}.citation"].strip(),
                "params": params,
            }
        header = {k: copy.deepcopy(v) for k, v in self.base.items() if k in HEADER_KEYS}
        return {**header, "rules": rules, **data["sections"]}

    def _value(self, path: str, kind: str):
        data = self.cleaned_data
        base = kind.rstrip("?")
        if base == "locations":
            return {
                place: {
                    "severity": data[f"{path}.value.{place}.severity"],
                    "consent": data[f"{path}.value.{place}.consent"] or None,
                }
                for place in LOCATION_TYPES
            }
        value = data[f"{path}.value"]
        if base == "strings":
            return [v.strip() for v in value.translate(SPLIT).splitlines() if v.strip()]
        if base in ("flags", "documents"):
            # A set: keep the document's order for what stays (the browser sends choice order).
            before = self._initial(f"{path}.value") or []
            return [v for v in before if v in value] + [v for v in value if v not in before]
        if value in ("", None) and base != "bool":
            return None if kind.endswith("?") else ("" if base == "time" else None)
        return value

    def _initial(self, name: str):
        initial = self.fields[name].initial
        return initial if isinstance(initial, list) else None

    def add_pack_errors(self, error: ValidationError) -> None:
        """Put each path's message on the field of that path (or the nearest one), and keep
        the list of (path, message) for the summary at the top."""
        for path, messages in error.message_dict.items():
            for message in messages:
                self.pack_errors.append((path, message))
                name = self._field_for(path)
                self.add_error(name, message if name == path else f"{path}: {message}")

    def _field_for(self, path: str) -> str | None:
        if path in self.fields:
            return path
        below = [name for name in self.fields if name.startswith(f"{path}.")]
        if below:
            return below[0]
        above = [name for name in self.fields if path.startswith(f"{name}.")]
        if above:
            return max(above, key=len)
        if path.split(".")[0] not in HEADER_KEYS:
            return "sections"
        return None


def _value_field(base: str, optional: bool, value) -> forms.Field:
    if base == "bool":
        return forms.BooleanField(
            required=False,
            initial=value,
            widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        )
    if base == "int":
        return forms.IntegerField(
            required=False, initial=value, widget=forms.NumberInput(attrs=CONTROL)
        )
    if base == "time":
        return forms.CharField(
            required=False,
            initial=value or "",
            widget=forms.TextInput(
                attrs={**CONTROL, "placeholder": "HH:MM", "inputmode": "numeric"}
            ),
        )
    if base == "severity":
        return forms.ChoiceField(
            choices=(NONE if optional else []) + SEVERITIES,
            required=False,
            initial=value or "",
            widget=forms.Select(attrs=SELECT),
        )
    if base in ("flags", "documents"):
        allowed = sorted(FLAGS) if base == "flags" else list(DOCUMENTS)
        return forms.MultipleChoiceField(
            choices=[(x, x) for x in allowed],
            required=False,
            initial=value or [],
            widget=forms.CheckboxSelectMultiple,
        )
    if base == "strings":
        return forms.CharField(
            required=False,
            initial="\n".join(value) if isinstance(value, list) else "",
            widget=forms.Textarea(attrs={**CONTROL, "rows": 2}),
            help_text=_("One per line (or separated by commas)."),
        )
    raise AssertionError(base)
