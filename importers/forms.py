from django import forms
from django.utils.translation import gettext_lazy as _

from layers.models import Layer, Municipality, Role
from layers.permissions import editable_municipalities, is_prefecture_admin

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
