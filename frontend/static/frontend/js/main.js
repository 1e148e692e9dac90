/** Wires the page: reads the server's JSON config, builds the map, the panels, legend and list. */

import { formatNumber, gettext, interpolate, label } from "./i18n.js";
import { setUpHere } from "./here.js";
import { renderLegend, renderNotices } from "./legend.js";
import { DETAIL_ZOOM, MapLayer } from "./layers.js";
import { chosenFromParams, filterParams, keepFor, renderFilters } from "./filters.js";
import { kindOfPlace, ListView } from "./list-view.js";
import { Panels } from "./panels.js";
import { readState, stateSearch } from "./permalink.js";
import { Search } from "./search.js";
import { StatusFeed, useStatusVocabulary } from "./status-feed.js";
import { addStatusLine, catalogueBounds, createMap, drawMunicipalities, municipalitiesDrawn, municipalityNames } from "./map.js";

const L = globalThis.L;
const config = JSON.parse(document.getElementById("map-config").textContent);
const byId = (id) => document.getElementById(id);
useStatusVocabulary(config.status_vocabulary);

const mapElement = byId("map");
const wide = window.matchMedia("(min-width: 60rem)");
// A finger is wider than a mouse pointer: on touch screens a tap up to 10 px off a dot still hits it.
const renderer = L.canvas({ tolerance: window.matchMedia("(pointer: coarse)").matches ? 10 : 2 });

const map = createMap(mapElement, { basemap: config.basemap, renderer });
const status = addStatusLine(map);

// One panel at a time over the map. A phone starts with the whole map; a wide screen with the layers open.
const panels = new Panels(byId("toolbar"), {
  onChange: (name) => {
    if (name === "list") renderList();
  },
});
if (wide.matches && !document.querySelector(".embedded")) panels.open("layers");
// The skip link leads to the list, which is a closed panel until then.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  panels.open("list", { focus: true });
});

const names = municipalityNames(config.municipalities);
/** A place's municipality, with its ward in 大阪市 and 堺市 (大阪市北区 / Kita Ward, Osaka City). */
function municipalityName(code, wardCode = null) {
  const municipality = names.get(code);
  const ward = wardCode ? config.wards?.[wardCode] : null;
  if (!municipality || !ward) return municipality ?? null;
  return { ja: `${municipality.ja}${ward.ja}`, en: `${ward.en}, ${municipality.en}` };
}
const boundaries = config.boundary_tiles ? drawMunicipalities(map, config.boundary_tiles) : null;

const layers = config.layers.map(
  (entry, index) =>
    new MapLayer(entry, index, {
      municipalityName,
      pageSize: config.features_page_size,
      clusterUrl: config.cluster_urls?.[entry.slug],
      renderer,
    }),
);
// Areas and clusters come in tile by tile: the list follows once a view's tiles are all in.
for (const layer of layers) for (const grid of [layer.areas, layer.clusters]) grid?.on("load", () => renderListSoon());
const checkboxes = new Map(
  layers.map((layer) => [layer, document.querySelector(`input[name="layer"][value="${CSS.escape(layer.slug)}"]`)]),
);
const checkedLayers = () => layers.filter((layer) => checkboxes.get(layer)?.checked);

// A permalink (or the embeddable view's address) chooses the layers, filters and view.
const initial = readState(window.location.search);
if (initial.layers) for (const [layer, box] of checkboxes) box.checked = initial.layers.includes(layer.slug);
const filterState = new Map(); // slug → Map(field → Set of values)
for (const layer of layers) {
  const chosen = chosenFromParams(layer.entry, initial.filters.get(layer.slug) ?? new URLSearchParams());
  filterState.set(layer.slug, chosen);
  layer.filters = filterParams(layer.entry, chosen);
  layer.keep = keepFor(layer.entry, chosen);
}
const visibleLayers = () => layers.filter((layer) => layer.isOn(map));

// Live shelter status, polled apart from the layers' data so a cached map never shows a stale status.
const feed = new StatusFeed(config.urls.shelter_status, {
  intervalSeconds: config.status_poll_seconds,
  onUpdate: (byKey) => {
    for (const layer of layers) layer.applyStatus(byKey).then(renderListSoon);
    renderListSoon();
  },
  onOffline: (fetchedAt, { stale = false } = {}) => {
    const line = byId("offline");
    line.hidden = !fetchedAt;
    if (!fetchedAt) return;
    const minutes = Math.max(0, Math.round((Date.now() - fetchedAt.getTime()) / 60000));
    const time = fetchedAt.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
    line.textContent = interpolate(
      stale
        ? gettext("Shelter status as of %(time)s (%(minutes)s min ago): the latest could not be loaded. It may have changed.")
        : gettext("Offline: shelter status as of %(time)s (%(minutes)s min ago). It may have changed."),
      { time, minutes: formatNumber(minutes) },
    );
  },
});

// Offline tolerance: the service worker keeps the page, the catalogue and the last status feed.
if ("serviceWorker" in navigator && config.urls.service_worker) {
  navigator.serviceWorker.register(config.urls.service_worker).catch((error) => console.warn("service worker:", error));
}

const listView = new ListView({
  map,
  section: byId("panel-list"),
  summary: byId("feature-list-summary"),
  list: byId("feature-list-items"),
  more: byId("feature-list-more"),
  municipalityName,
  onSelect: (item) => focusFeature(item),
});

let place = null; // {layer, id} of the place whose popup is open, for the permalink
let hereReport = null; // the report panel (here.js), whose chosen point the permalink keeps
let selected = null; // the item whose popup is open, to return focus to when it closes
let returnFocus = null; // where focus goes back to then, if not to the item's button in the list
let firstView = true;

/** Brings an item into view and opens its popup (a point's places are loaded for the new view first). */
async function focusFeature(item, { returnTo = null } = {}) {
  firstView = false;
  if (item.bounds) map.fitBounds(item.bounds, { maxZoom: 16, animate: false });
  else map.setView(item.latlng, Math.max(map.getZoom(), 16), { animate: false });
  // On a phone the sheet would cover the popup.
  if (!wide.matches) panels.close();
  await item.layer.update(map).catch(() => null);
  const popup = await item.layer.openPopup(map, item);
  selected = item;
  returnFocus = returnTo;
  popup?.getElement()?.querySelector(".popup-title")?.focus({ preventScroll: true });
}

map.on("popupopen", ({ popup }) => {
  const item = popup._source?.item ?? popup.item;
  place = item ? { layer: item.layer.slug, id: item.feature.id } : null;
  writeAddressSoon();
});

// Whether the keyboard focus is in a popup: a closing popup's element is gone (with its focus) before
// Leaflet says it closed, so "did it hold the focus" is remembered here.
let focusInPopup = false;
document.addEventListener("focusin", (event) => {
  focusInPopup = Boolean(event.target.closest?.(".leaflet-popup"));
});

map.on("popupclose", ({ popup }) => {
  const hadFocus = focusInPopup || popup.getElement()?.contains(document.activeElement);
  focusInPopup = false;
  if (place && (popup._source?.item ?? popup.item)?.feature.id === place.id) place = null;
  writeAddressSoon();
  const item = selected;
  const back = returnFocus;
  selected = returnFocus = null;
  if (item && hadFocus) {
    if (back) back.focus();
    else {
      panels.open("list");
      listView.focus(item);
    }
  }
});

// Areas and outlines are painted on tiles, not Leaflet layers: a click finds them itself. An area opens
// its popup; elsewhere the municipality's name shows. (Clusters are markers with their own clicks.)
const touch = window.matchMedia("(pointer: coarse)").matches;
const nameTip = L.tooltip({ direction: "top", opacity: 0.95, className: "municipality-tip" });
map.on("click", (event) => {
  if (event.sourceTarget && event.sourceTarget !== map) return;
  for (const layer of [...visibleLayers()].reverse()) {
    const item = layer.areaAt?.(event.latlng);
    if (item) {
      layer.openPopup(map, item);
      return;
    }
  }
  showMunicipalityName(event.latlng);
});

/** The name of the municipality at `latlng` in a tooltip there (none outside the prefecture). */
function showMunicipalityName(latlng) {
  const [outline] = boundaries?.featuresAt(latlng) ?? [];
  if (!outline) {
    map.closeTooltip(nameTip);
    return;
  }
  nameTip.setLatLng(latlng).setContent(textOf(municipalityName(outline.properties.code)));
  map.openTooltip(nameTip);
}

function textOf(pair) {
  const span = document.createElement("span");
  span.textContent = label(pair);
  return span;
}

// With a mouse the name follows the pointer.
if (!touch) {
  let pending = null;
  map.on("mousemove", (event) => {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = null;
      showMunicipalityName(event.latlng);
    });
  });
  map.on("mouseout", () => map.closeTooltip(nameTip));
}

/** The address follows the map, so copying it (or the share button) passes the view on. */
let addressTimer = null;
function writeAddressSoon() {
  clearTimeout(addressTimer);
  addressTimer = setTimeout(() => {
    const centre = map.getCenter();
    const search = stateSearch({
      at: { lat: centre.lat, lng: centre.lng, zoom: map.getZoom() },
      layers: checkedLayers().map((layer) => layer.slug),
      filters: new Map(layers.filter((l) => l.filters.size).map((l) => [l.slug, l.filters])),
      openOnly: openOnly?.checked,
      place,
      report: hereReport?.point ?? null,
    });
    window.history.replaceState(null, "", `${window.location.pathname}${search}`);
  }, 200);
}

async function filtersChanged(layer) {
  const chosen = filterState.get(layer.slug);
  await loading(layer, layer.setFilters(map, filterParams(layer.entry, chosen), keepFor(layer.entry, chosen)));
  writeAddressSoon();
  renderList();
}

/** Legend, cautions, filters and the panel's count follow the boxes at once, before the data arrives. */
function renderChosen() {
  const chosen = checkedLayers();
  renderLegend(byId("legend"), chosen);
  renderNotices(byId("notices"), chosen);
  renderFilters(byId("filters"), chosen, filterState, filtersChanged);
  writeAddressSoon();
  byId("layer-panel-count").textContent = interpolate(gettext("%(shown)s of %(total)s shown"), {
    shown: formatNumber(chosen.length),
    total: formatNumber(layers.length),
  });
}

const pending = new Set();

function renderList({ always = false } = {}) {
  if (!always && !panels.isOpen("list")) return;
  listView.render(visibleLayers(), { loading: pending.size > 0, zoomIn: map.getZoom() < DETAIL_ZOOM });
}

let listTimer = null;
function renderListSoon() {
  clearTimeout(listTimer);
  listTimer = setTimeout(renderList, 100);
}

function showStatus() {
  status.textContent = pending.size
    ? interpolate(gettext("Loading %(layers)s…"), { layers: [...pending].map((l) => label(l.entry.name)).join(", ") })
    : "";
}

/** Runs `work` (a layer's loading) with the layer named in the loading line; a failure is said there. */
async function loading(layer, work) {
  pending.add(layer);
  showStatus();
  try {
    await work;
  } catch (error) {
    console.warn(error);
    status.textContent = interpolate(gettext("%(layer)s could not be loaded. Please try again later."), {
      layer: label(layer.entry.name),
    });
    return;
  } finally {
    pending.delete(layer);
  }
  showStatus();
}

async function setVisible(layer, visible) {
  renderChosen();
  if (!visible) {
    layer.hide(map);
    renderList();
    return;
  }
  await loading(layer, layer.show(map));
  layer.applyStatus(feed.byKey).then(renderListSoon);
  renderList();
}

for (const [layer, checkbox] of checkboxes) {
  const swatch = checkbox.labels[0]?.querySelector(".swatch");
  swatch?.classList.add(`swatch-${layer.drawsPoints ? "point" : "area"}`);
  swatch?.style.setProperty("--swatch", layer.style.swatch);
  checkbox.addEventListener("change", () => setVisible(layer, checkbox.checked));
}

// "Open now only" (開設中のみ): the layers with live status show only the shelters reported open.
const openOnly = byId("open-only");
openOnly.checked = initial.openOnly;
for (const layer of layers.filter((l) => l.hasLiveStatus)) layer.openOnly = initial.openOnly;
openOnly.addEventListener("change", async () => {
  await Promise.all(layers.filter((l) => l.hasLiveStatus).map((l) => l.setOpenOnly(map, openOnly.checked)));
  writeAddressSoon();
  renderList();
});

// Lay the page out first, so the first view fits the map's size; until the user moves the map,
// fit it again whenever that size changes (fonts arriving, a rotated phone, a resized window).
renderChosen();
const bounds = catalogueBounds(config.layers);
// The whole prefecture, centred on land (config.home): the catalogue's box centres on Osaka Bay, and
// "risks at the map centre" there would report a point outside Osaka.
function fitFirstView() {
  const home = config.home ? L.latLng(config.home.lat, config.home.lon) : bounds?.getCenter();
  if (bounds) map.setView(home, map.getBoundsZoom(bounds), { animate: false });
  else map.setView([34.69, 135.5], 10); // Osaka, for an empty catalogue
}
if (initial.at) {
  firstView = false;
  map.setView([initial.at.lat, initial.at.lng], initial.at.zoom, { animate: false });
} else fitFirstView();
for (const type of ["pointerdown", "wheel", "keydown"]) {
  mapElement.addEventListener(type, () => (firstView = false), { once: true, passive: true });
}
new ResizeObserver(() => {
  map.invalidateSize();
  if (firstView) fitFirstView();
}).observe(mapElement);
map.on("moveend", () => {
  for (const layer of visibleLayers()) loading(layer, layer.update(map)).then(renderListSoon);
  renderListSoon();
  writeAddressSoon();
});

// The embeddable view for one municipality: fit it.
const embedded = config.municipalities?.[initial.municipality?.slice(0, 5)];
if (embedded && !initial.at) {
  firstView = false;
  const [west, south, east, north] = embedded.bbox;
  map.fitBounds([[south, west], [north, east]], { animate: false });
}

const ready = Promise.all([...checkedLayers().map((layer) => setVisible(layer, true))])
  .then(async () => {
    // The permalink's place: its popup open, as it was when the link was made.
    const layer = layers.find((l) => l.slug === initial.place?.layer);
    if (layer?.isOn(map)) {
      await layer.openPopup(map, { feature: { id: initial.place.id }, layer, latlng: null }).catch(console.warn);
    }
  })
  .then(renderList);
if (layers.some((layer) => layer.hasLiveStatus)) feed.start();

// Search: a place fits the map to it; a feature opens its popup, its layer turned on first if need be.
const searchInput = byId("search-input");

async function showSearchResult(feature, { pointer, returnTo = pointer ? null : searchInput }) {
  firstView = false;
  const p = feature.properties ?? {};
  const [lon, lat] = feature.geometry?.coordinates ?? [];
  // A tap on a phone: let the on-screen keyboard go and show the map.
  if (pointer && !wide.matches) searchInput.blur();
  if (!wide.matches) panels.close();
  if (p.result_type !== "feature") {
    const [west, south, east, north] = feature.bbox ?? [];
    if (feature.bbox) map.fitBounds([[south, west], [north, east]], { animate: false });
    else map.setView([lat, lon], 14, { animate: false });
    return;
  }
  const layer = layers.find((l) => l.slug === p.layer);
  if (!layer) {
    map.setView([lat, lon], 16, { animate: false });
    return;
  }
  const checkbox = checkboxes.get(layer);
  if (!checkbox.checked) {
    checkbox.checked = true;
    renderChosen();
    layer.on = true;
  }
  const item = { feature: { id: p.feature_id, properties: p }, layer, latlng: L.latLng(lat, lon), bounds: null };
  await setVisible(layer, true);
  await focusFeature(item, { returnTo });
}

if (config.urls.search) {
  new Search({
    input: searchInput,
    listbox: byId("search-results"),
    message: byId("search-message"),
    live: byId("search-live"),
    url: config.urls.search,
    maxLength: config.search_max_length,
    centre: () => map.getCenter(),
    // A drawn place knows more than the search answer: say which designation a shelter has.
    kindOf: (p) => {
      const layer = layers.find((l) => l.slug === p.layer);
      const item = layer?.byId.get(p.feature_id);
      return item ? kindOfPlace(layer, item.feature.properties ?? {}) : null;
    },
    onChoose: showSearchResult,
  });
  byId("search").hidden = false;
}

// Printing shows the list under the map (the print stylesheet), so it must be current.
window.addEventListener("beforeprint", () => renderList({ always: true }));

// Share: the Web Share API where there is one (phones), else the link to the clipboard.
const share = byId("share");
share?.addEventListener("click", async () => {
  clearTimeout(addressTimer);
  const url = window.location.href;
  try {
    if (navigator.share) await navigator.share({ title: document.title, url });
    else {
      await navigator.clipboard.writeText(url);
      status.textContent = gettext("Link copied.");
      setTimeout(() => (status.textContent = ""), 4000);
    }
  } catch (error) {
    if (error.name !== "AbortError") status.textContent = url;
  }
});

if (config.urls.here) {
  hereReport = setUpHere({
    map,
    url: config.urls.here,
    button: byId("here-locate"),
    message: byId("here-message"),
    fallback: byId("here-fallback"),
    centreLinks: [byId("here-centre")],
    // The report in the panel and on the map; a shelter in it is shown as a search result is.
    centreButton: byId("here-centre-report"),
    reportUrl: config.urls.hazards_at,
    panels,
    container: byId("here-report"),
    liveStatus: (municipality, id) => feed.get(municipality, id),
    showShelter: (feature, returnTo) =>
      showSearchResult(
        { ...feature, properties: { ...feature.properties, result_type: "feature", feature_id: feature.id } },
        { pointer: false, returnTo },
      ),
  });
  byId("here-locate").hidden = false;
}

// A read-only view of the map's state, for the browser tests and for debugging in the console.
window.osakaMap = Object.freeze({
  map,
  ready,
  counts: () => ({
    municipalities: boundaries ? municipalitiesDrawn(boundaries).size : 0,
    layers: Object.fromEntries(layers.map((layer) => [layer.slug, layer.count])),
    clusters: Object.fromEntries(layers.map((layer) => [layer.slug, layer.clusterCount])),
  }),
  /** The clusters a point layer shows now: [{lat, lng, count, x, y}] with x, y in the map's pixels. */
  clusters: (slug) => {
    const layer = layers.find((l) => l.slug === slug);
    if (!layer?.clusters || !map.hasLayer(layer.clusters)) return [];
    return [...layer.clusters.shown()].map(({ latlng, count }) => {
      const { x, y } = map.latLngToContainerPoint(latlng);
      return { lat: latlng.lat, lng: latlng.lng, count, x, y };
    });
  },
  onMap: () => visibleLayers().map((layer) => layer.slug),
  liveStatus: (municipality, id) => feed.get(municipality, id),
  // Nothing on its way: no layer's places, and no tile of an area, outline or cluster layer on the map.
  idle: () =>
    pending.size === 0 &&
    ![boundaries, ...layers.flatMap((l) => [l.areas, l.clusters])].some((grid) => grid?._map && grid.isLoading()),
  place: () => place,
});
