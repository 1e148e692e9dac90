"""Disaster staff pages: their municipality's shelters, one big-button page per shelter, bulk actions.

Plain HTML forms, so they work on any phone, with or without JavaScript. Every form carries the
version it was based on; a stale one is shown back with the current state, never applied.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..kinds import get_kind
from ..models import Role, ShelterStatus, Ward
from ..permissions import can_update_status, editable_municipalities, staff_ward_ids
from ..status import service
from ..status.vocabulary import OPEN_STATES, Opening

COUNT_STEPS = (-10, -1, 1, 10)
PAGE_SIZE = 50  # shelters per page of the list
BULK_MAX = 500  # shelters one bulk action may change; narrow the filter for more


def _my_shelters(user):
    return service.shelter_features().filter(municipality__in=editable_municipalities(user, Role.Name.DISASTER_STAFF))


def with_live_status(shelters):
    """Each shelter's stored opening status (未開設 where staff never reported) as `live_status`, so the
    database filters by it. Only where a filter needs it: computing it for every row skipped by a deep
    page's OFFSET costs seconds at 100,000 shelters."""
    stored = ShelterStatus.objects.filter(municipality_id=OuterRef("municipality_id"), source_id=OuterRef("source_id"))
    return shelters.annotate(
        live_status=Coalesce(Subquery(stored.values("opening_status")[:1]), Value(Opening.NOT_OPEN))
    )


def _with_status(features, user=None):
    """Pair each feature with its status record (or an unsaved not-open one), its public state and
    whether `user` may change it."""
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
        status.municipality = feature.municipality  # the same row: no query per shelter
        rows.append({
            "feature": feature,
            "status": status,
            "state": service.state_of(status, feature),
            "designation": _designation_label(feature),
            "editable": user is None or can_update_status(user, feature),
        })  # fmt: skip
    return rows


def _designation_label(feature):
    code = get_kind("shelter").fields_by_name["designation"].code(feature.properties.get("designation") or "")
    if code is None:
        return ""
    return code.label_en if get_language() == "en" else code.label_ja


def _filtered(user, query, shelters):
    """The shelters matching the filters in `query`, all in the database (so counts and pages are true),
    the user's own ward first for the staff of a ward office."""
    q = query.get("q", "").strip()[:100]
    if q:
        shelters = shelters.filter(Q(name__icontains=q) | Q(name_kana__icontains=q) | Q(address__icontains=q))
    if disaster := query.get("disaster"):
        shelters = shelters.filter(properties__disasters__contains=[disaster])
    if designation := query.get("designation"):
        shelters = shelters.filter(properties__designation=designation)
    if ward := query.get("ward"):
        shelters = shelters.filter(ward__code=ward)
    status = query.get("status")
    if status == "open_now":
        shelters = with_live_status(shelters).filter(live_status__in=OPEN_STATES)
    elif status in Opening.values:
        shelters = with_live_status(shelters).filter(live_status=status)
    order = ["municipality__code", "name", "pk"]
    if own_wards := staff_ward_ids(user):
        shelters = shelters.annotate(own_ward=Case(When(ward_id__in=own_wards, then=0), default=1))
        order.insert(0, "own_ward")
    return shelters.order_by(*order)


def _filter_choices(user):
    fields = get_kind("shelter").fields_by_name
    municipalities = editable_municipalities(user, Role.Name.DISASTER_STAFF)
    return {
        "disasters": fields["disasters"].codes,
        "designations": fields["designation"].codes,
        "wards": Ward.objects.filter(municipality__in=municipalities)
        .select_related("municipality")
        .defer("geom", "municipality__geom")
        .order_by("code"),
        "statuses": [("open_now", _("Open now (open or always open)")), *Opening.choices],
    }


@login_required
def shelter_list(request):
    mine = _my_shelters(request.user)
    if not mine.exists():
        raise PermissionDenied
    page = Paginator(_filtered(request.user, request.GET, mine), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": _with_status(page.object_list, request.user),
        "page": page,
        "query": request.GET,
        "query_without_page": query.urlencode(),
        **_filter_choices(request.user),
    }
    return render(request, "staff/shelter_list.html", context)


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
    context = {"feature": feature, "statuses": Opening.choices, "steps": COUNT_STEPS}
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
    (row,) = _with_status([feature], request.user)
    context.update(row)
    return render(request, "staff/shelter_detail.html", context, status=http_status)


BULK_ACTIONS = {"open": Opening.OPEN, "close": Opening.CLOSED}


def _bulk_candidates(user, query, mine, action):
    """What a bulk action could change: the filtered shelters not yet in the state it sets."""
    shelters = with_live_status(_filtered(user, query, mine))
    if action == "close":
        return shelters.filter(live_status__in=OPEN_STATES)
    return shelters.exclude(live_status__in=OPEN_STATES)


def _refuse_others_shelters(user, pks):
    """These pages only ever offer the user's own shelters: a form naming another's was made elsewhere,
    and none of it is applied."""
    if any(not can_update_status(user, feature) for feature in service.shelter_features().filter(pk__in=pks)):
        raise PermissionDenied


@login_required
def shelter_bulk(request):
    """Three steps: choose (nothing ticked), review exactly what will change, confirm."""
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action") if data.get("action") in BULK_ACTIONS else "open"
    mine = _my_shelters(request.user)
    if not mine.exists():
        raise PermissionDenied
    target = BULK_ACTIONS[action]
    named = [item.partition(":")[0] for item in request.POST.getlist("shelter")[:BULK_MAX]]
    _refuse_others_shelters(request.user, [pk for pk in named if pk.isdigit()])
    if request.method == "POST" and request.POST.get("confirm"):
        applied, refused = [], []
        for item in request.POST.getlist("shelter")[:BULK_MAX]:
            pk, _sep, version = item.partition(":")
            feature = mine.filter(pk=pk).first() if pk.isdigit() else None
            if feature is None or not version.isdigit() or not can_update_status(request.user, feature):
                continue
            try:
                service.update_status(feature, {"opening_status": target}, int(version), request.user)
                applied.append(feature)
            except service.StaleVersion:
                refused.append(feature)
        return render(request, "staff/shelter_bulk_done.html", {"applied": applied, "refused": refused})
    candidates = _bulk_candidates(request.user, data, mine, action)
    context = {"action": action, "target_label": Opening(target).label, "query": data, **_filter_choices(request.user)}
    if request.method == "POST" and request.POST.get("review"):
        if request.POST.get("everything"):
            chosen = list(candidates[: BULK_MAX + 1])
        else:
            ids = [int(i) for i in request.POST.getlist("shelter") if i.isdigit()]
            chosen = list(candidates.filter(pk__in=ids[: BULK_MAX + 1]))
        rows = [r for r in _with_status(chosen[:BULK_MAX], request.user) if r["editable"]]
        context.update(rows=rows, too_many=len(chosen) > BULK_MAX)
        return render(request, "staff/shelter_bulk_review.html", context)
    total = candidates.count()
    rows = _with_status(candidates[:BULK_MAX], request.user)
    context.update(rows=[r for r in rows if r["editable"]], total=total, too_many=total > BULK_MAX)
    return render(request, "staff/shelter_bulk.html", context)
