"""Who may change what. Every view, command and admin page asks here; nothing else decides.

- Prefecture administrators (and Django superusers) may change everything.
- Municipal data editors may import and publish layers for their own municipality.
- Municipal disaster staff may update the status of their own municipality's shelters; staff of a
  ward office (区役所) of a designated city, those of their ward only.
"""

from .models import Municipality, Role


def _roles(user):
    if not user or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_map_roles_cache", None)
    if cached is None:
        cached = list(Role.objects.filter(user=user).values_list("name", "municipality_id", "ward_id"))
        user._map_roles_cache = cached
    return cached


def is_prefecture_admin(user) -> bool:
    if user and user.is_authenticated and user.is_active and user.is_superuser:
        return True
    return any(name == Role.Name.PREFECTURE_ADMIN for name, _m, _w in _roles(user))


def _municipality_ids_with(user, role_name) -> set[int]:
    return {mid for name, mid, _w in _roles(user) if name == role_name}


def can_edit_layer(user, layer, municipality) -> bool:
    """May `user` import and publish `layer`'s features of `municipality` (None: the whole prefecture)?"""
    if is_prefecture_admin(user):
        return True
    if municipality is None:
        return False
    return municipality.pk in _municipality_ids_with(user, Role.Name.DATA_EDITOR)


def can_update_status(user, shelter) -> bool:
    """May `user` change the live status of `shelter` (a Feature of a shelter layer)?"""
    if is_prefecture_admin(user):
        return True
    return any(
        name == Role.Name.DISASTER_STAFF and mid == shelter.municipality_id and ward in (None, shelter.ward_id)
        for name, mid, ward in _roles(user)
    )


def staff_ward_ids(user) -> set[int]:
    """The wards `user` is disaster staff of, when scoped to wards (empty: whole municipalities)."""
    return {ward for name, _m, ward in _roles(user) if name == Role.Name.DISASTER_STAFF and ward}


def editable_municipalities(user, role_name=Role.Name.DATA_EDITOR):
    """The municipalities in which `user` acts in `role_name`."""
    if is_prefecture_admin(user):
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=_municipality_ids_with(user, role_name))
