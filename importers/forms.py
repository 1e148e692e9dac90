from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from layers.models import Layer, Municipality, Role
from layers.permissions import editable_municipalities, is_prefecture_admin

from .columns import COMMON_TARGETS
from .publish import REPLACE, UPSERT
from .upload import parse_values


class UploadForm(forms.Form):
    layer = forms.ModelChoiceField(queryset=Layer.objects.all(), label=_("Layer"))
    municipality = forms.ModelChoiceField(
        queryset=Municipality.objects.none(),
        required=False,
        label=_("Municipality"),
        help_text=_("Leave empty for a prefecture-wide file: each feature is placed by its location."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ or PLATEAU CityGML"),
    )
    mode = forms.ChoiceField(
        choices=[(REPLACE, _("Replace this municipality's features")), (UPSERT, _("Add and update by ID"))],
        initial=REPLACE,
        label=_("When published"),
    )
    encoding = forms.ChoiceField(
        choices=[("", _("Detect")), ("utf-8", "UTF-8"), ("cp932", "Shift_JIS (CP932)")],
        required=False,
        label=_("Text encoding"),
    )
    srs = forms.CharField(
        required=False,
        max_length=20,
        label=_("Coordinate system (EPSG code)"),
        help_text=_("Only when the file does not say, e.g. EPSG:6674 for plane zone VI"),
    )

    values = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Values for every row"),
        help_text=_(
            "Only for a field the file has no column for, when it is the same for every row: "
            "one field=value per line, e.g. designation=shelter"
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["municipality"].queryset = editable_municipalities(user, Role.Name.DATA_EDITOR)
        if not is_prefecture_admin(user):
            self.fields["municipality"].required = True
            self.fields["municipality"].help_text = ""

    def clean_values(self):
        try:
            return parse_values(line for line in self.cleaned_data["values"].splitlines() if line.strip())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class ColumnsForm(forms.Form):
    """Which column of the file feeds what, starting from what the importer chose; one select per target."""

    def __init__(self, *args, run, **kwargs):
        super().__init__(*args, **kwargs)
        found = run.columns.get("found") or []
        mapped = run.columns.get("mapped") or {}
        lang = get_language() or "ja"
        labels = {
            "source_id": _("ID"),
            "name": _("Name"),
            "name_kana": _("Name in kana"),
            "address": _("Address"),
            "municipality_code": _("Municipality code"),
        }
        for f in run.layer.kind_spec.fields:
            labels[f.name] = f.label_ja if lang.startswith("ja") else f.label_en
        self.initial_columns = {}
        for target in (*COMMON_TARGETS, *(f.name for f in run.layer.kind_spec.fields)):
            current = mapped.get(target, "")
            choices = [("", _("(no column)")), *((c, c) for c in found)]
            if current and current not in found:  # several flag columns, e.g. 洪水, 津波, …
                choices.append((current, current))
            self.initial_columns[target] = current
            self.fields[target] = forms.ChoiceField(
                choices=choices, required=False, initial=current, label=f"{labels[target]} ({target})"
            )

    def changed_columns(self) -> dict[str, str]:
        return {
            target: value
            for target, value in self.cleaned_data.items()
            if value != self.initial_columns[target] and ", " not in value
        }
