"""Finding a municipality from what people type: 27205, 272051 (with check digit) or 吹田市."""

import unicodedata

from .models import Municipality, check_digit


def find_municipality(text: str) -> Municipality:
    """Raise Municipality.DoesNotExist with a helpful message when nothing matches."""
    value = unicodedata.normalize("NFKC", str(text)).strip()
    if value.isdigit() and len(value) == 6:
        if check_digit(value[:5]) != value[5]:
            raise Municipality.DoesNotExist(f"{value}: the check digit should be {check_digit(value[:5])}")
        value = value[:5]
    if value.isdigit() and len(value) == 4:
        value = "0" + value  # a code that lost its leading zero in a spreadsheet
    if value.isdigit() and len(value) == 5:
        found = Municipality.objects.filter(code=value).first()
    else:
        found = (
            Municipality.objects.filter(name_ja=value).first()
            or Municipality.objects.filter(name_en__iexact=value).first()
        )
    if found is None:
        raise Municipality.DoesNotExist(f"no municipality {text!r} (give a 5-digit code, 6-digit code or name)")
    return found
