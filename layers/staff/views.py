"""Disaster staff pages: their municipality's shelters, one big-button page per shelter, bulk actions.

Plain HTML forms, so they work on any phone, with or without JavaScript. Every form carries the
version it was based on; a stale one is shown back with the current state, never applied.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from ..kinds import get_kind
from ..models import Role, ShelterStatus
from ..permissions import can_update_status, editable_municipalities
from ..status import service
from ..status.vocabulary import OPEN_STATES

COUNT_STEPS = (-10, -1, 1, 10)


def _my_shelters(user):
    return service.shelter_features().filter(municipality__in=editable_municipalities(user, Role.Name.DISASTER_STAFF))


def _with_status(features):
    """Pair each feature with its status record (or an unsaved not-open one) and its public state."""
    features = list(features)
    stored = {
        (s.municipality_id, s.source_id): s
        for s in ShelterStatus.objects.filter(
            municipality_id__in={f.municipality_id for f in features}, source_id__in=[f.source_id for f in features]
        )
    }
    rows = []
    for feature in features:
        status = stored.get((feature.municipality_id, feature.source_id)) or ShelterStatus(
            municipality_id=feature.municipality_id, source_id=feature.source_id
        )
        rows.append({"feature": feature, "status": status, "state": service.state_of(status, feature)})
    return rows


def _filtered(request, shelters):
    q = request.GET.get("q", "").strip()[:100]
    if q:
        shelters = shelters.filter(Q(name__icontains=q) | Q(name_kana__icontains=q) | Q(address__icontains=q))
    disaster = request.GET.get("disaster")
    if disaster:
        shelters = shelters.filter(properties__disasters__contains=[disaster])
    designation = request.GET.get("designation")
    if designation:
        shelters = shelters.filter(properties__designation=designation)
    return shelters.order_by("municipality__code", "name")


def _filter_choices():
    fields = get_kind("shelter").fields_by_name
    return {"disasters": fields["disasters"].codes, "designations": fields["designation"].codes}


@login_required
def shelter_list(request):
    mine = _my_shelters(request.user)
    if not mine.exists():
        raise PermissionDenied
    rows = _with_status(_filtered(request, mine)[:500])
    status_filter = request.GET.get("status")
    if status_filter:
        rows = [r for r in rows if r["state"]["status"] == status_filter]
    return render(
        request,
        "staff/shelter_list.html",
        {"rows": rows, "statuses": ShelterStatus.Opening.choices, **_filter_choices(), "query": request.GET},
    )


def _changes_from(post, base_count):
    changes = {}
    if post.get("opening_status"):
        changes["opening_status"] = post["opening_status"]
    if "delta" in post:
        changes["evacuee_count"] = max(0, base_count + int(post["delta"]))
    elif post.get("evacuee_count", "") != "":
        changes["evacuee_count"] = post["evacuee_count"]
    if "note" in post:
        changes["note"] = post["note"]
    if "capacity_override" in post:
        changes["capacity_override"] = post["capacity_override"] or None
    if "marked_full" in post:
        changes["marked_full"] = post["marked_full"] == "1"
    return changes


@login_required
def shelter_detail(request, pk):
    feature = get_object_or_404(service.shelter_features(), pk=pk)
    if not can_update_status(request.user, feature):
        raise PermissionDenied
    context = {"feature": feature, "statuses": ShelterStatus.Opening.choices, "steps": COUNT_STEPS}
    http_status = 200
    if request.method == "POST":
        try:
            based_on = int(request.POST.get("version", ""))
            base_count = int(request.POST.get("base_count", "0"))
            changes = _changes_from(request.POST, base_count)
            service.update_status(feature, changes, based_on, request.user)
            context["saved"] = True
        except (ValueError, TypeError):
            context["error"] = _("The form was incomplete. Please try again.")
            http_status = 400
        except service.InvalidUpdate as exc:
            context["error"] = exc.message
            http_status = 400
        except service.StaleVersion:
            # Show what is stored now, and offer to re-apply exactly what this person asked for.
            context["conflict"] = _changes_from(request.POST, base_count)
            http_status = 409
    (row,) = _with_status([feature])
    context.update(row)
    return render(request, "staff/shelter_detail.html", context, status=http_status)


BULK_ACTIONS = {"open": ShelterStatus.Opening.OPEN, "close": ShelterStatus.Opening.CLOSED}


@login_required
def shelter_bulk(request):
    action = request.POST.get("action") or request.GET.get("action")
    if action not in BULK_ACTIONS:
        action = "open"
    mine = _my_shelters(request.user)
    if request.method == "POST" and request.POST.get("confirm"):
        applied, refused = [], []
        for item in request.POST.getlist("shelter"):
            pk, _sep, version = item.partition(":")
            feature = mine.filter(pk=pk).first()
            if feature is None or not version.isdigit():
                continue
            try:
                service.update_status(feature, {"opening_status": BULK_ACTIONS[action]}, int(version), request.user)
                applied.append(feature)
            except service.StaleVersion:
                refused.append(feature)
        return render(request, "staff/shelter_bulk_done.html", {"applied": applied, "refused": refused})
    if action == "close":
        candidates = [r for r in _with_status(_filtered(request, mine)) if r["state"]["status"] in OPEN_STATES]
    else:
        candidates = [r for r in _with_status(_filtered(request, mine)) if r["state"]["status"] not in OPEN_STATES]
    return render(
        request,
        "staff/shelter_bulk.html",
        {"action": action, "rows": candidates, **_filter_choices(), "query": request.GET},
    )
