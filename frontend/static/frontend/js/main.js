/** Wires the page: reads the server's JSON config, builds the map, the layer panel, legend and list. */

import { formatNumber, gettext, interpolate, label } from "./i18n.js";
import { setUpHere } from "./here.js";
import { renderLegend, renderNotices } from "./legend.js";
import { MapLayer, restack } from "./layers.js";
import { kindOfPlace, ListView } from "./list-view.js";
import { Search } from "./search.js";
import { StatusFeed, useStatusVocabulary } from "./status-feed.js";
import { Panels } from "./panels.js";
import { addStatusLine, catalogueBounds, createMap, drawMunicipalities, municipalityNames } from "./map.js";

const config = JSON.parse(document.getElementById("map-config").textContent);
const byId = (id) => document.getElementById(id);
useStatusVocabulary(config.status_vocabulary);

const mapElement = byId("map");
const wide = window.matchMedia("(min-width: 60rem)");

const map = createMap(mapElement, { basemap: config.basemap });
const status = addStatusLine(map);

// One panel at a time over the map. A phone starts with the whole map; a wide screen with the layers open.
const panels = new Panels(byId("toolbar"), {
  onChange: (name) => {
    if (name === "list") renderList();
  },
});
if (wide.matches) panels.open("layers");
// The skip link leads to the list, which is a closed panel until then.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  panels.open("list", { focus: true });
});

let names = new Map();
/** A place's municipality, with its ward in 大阪市 and 堺市 (大阪市北区 / Kita Ward, Osaka City). */
function municipalityName(code, wardCode = null) {
  const municipality = names.get(code);
  const ward = wardCode ? config.wards?.[wardCode] : null;
  if (!municipality || !ward) return municipality ?? null;
  return { ja: `${municipality.ja}${ward.ja}`, en: `${ward.en}, ${municipality.en}` };
}
let boundaries = null;

// Live shelter status, polled apart from the layers' data so a cached map never shows a stale status.
const feed = new StatusFeed(config.urls.shelter_status, {
  intervalSeconds: config.status_poll_seconds,
  onUpdate: (byKey) => {
    for (const layer of layers) layer.applyStatus(byKey);
    renderListSoon();
  },
});

const layers = config.layers.map((entry, index) => new MapLayer(entry, index, { municipalityName, pageSize: config.features_page_size }));
const checkboxes = new Map(
  layers.map((layer) => [layer, document.querySelector(`input[name="layer"][value="${CSS.escape(layer.slug)}"]`)]),
);

const checkedLayers = () => layers.filter((layer) => checkboxes.get(layer)?.checked);
const visibleLayers = () => layers.filter((layer) => layer.isOn(map));

const listView = new ListView({
  map,
  section: byId("feature-list"),
  summary: byId("feature-list-summary"),
  list: byId("feature-list-items"),
  more: byId("feature-list-more"),
  municipalityName,
  onSelect: focusFeature,
});

let selected = null; // the item whose popup is open, to return focus to when it closes
let returnFocus = null; // where focus goes back to then, if not to the item's button in the list

function focusFeature(item, { returnTo = null } = {}) {
  firstView = false;
  if (item.bounds) map.fitBounds(item.bounds, { maxZoom: 16, animate: false });
  else map.setView(item.latlng, Math.max(map.getZoom(), 16), { animate: false });
  // On a phone the sheet would cover the popup.
  if (!wide.matches) panels.close();
  const target = item.marker && map.hasLayer(item.marker) ? item.marker : item.path;
  target.openPopup();
  selected = item;
  returnFocus = returnTo;
  target.getPopup()?.getElement()?.querySelector(".popup-title")?.focus({ preventScroll: true });
}

map.on("popupclose", ({ popup }) => {
  const item = selected;
  const back = returnFocus;
  selected = returnFocus = null;
  const mine = item && (item.path.getPopup() === popup || item.marker?.getPopup() === popup);
  if (mine && popup.getElement()?.contains(document.activeElement)) {
    if (back) back.focus();
    else {
      panels.open("list");
      listView.focus(item);
    }
  }
});

/** Legend, cautions and the panel's count follow the boxes at once, before the data arrives. */
function renderChosen() {
  const chosen = checkedLayers();
  renderLegend(byId("legend"), chosen);
  renderNotices(byId("notices"), chosen);
  byId("layer-panel-count").textContent = interpolate(gettext("%(shown)s of %(total)s shown"), {
    shown: formatNumber(chosen.length),
    total: formatNumber(layers.length),
  });
}

const pending = new Set();

function renderList() {
  listView.render(visibleLayers(), { loading: pending.size > 0 });
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

async function setVisible(layer, visible) {
  renderChosen();
  if (!visible) {
    layer.hide(map);
    renderList();
    return;
  }
  pending.add(layer);
  showStatus();
  try {
    await layer.load();
  } catch (error) {
    console.warn(error);
    pending.delete(layer);
    checkboxes.get(layer).checked = false;
    renderChosen();
    renderList();
    status.textContent = interpolate(gettext("%(layer)s could not be loaded. Please try again later."), {
      layer: label(layer.entry.name),
    });
    return;
  }
  pending.delete(layer);
  showStatus();
  layer.applyStatus(feed.byKey);
  // The box may have been cleared while the layer was loading.
  if (checkboxes.get(layer).checked) {
    layer.show(map);
    restack(map, layers, boundaries);
  }
  renderList();
}

// "Open now only" (開設中のみ): the layers with live status show only the shelters reported open.
const openOnly = byId("open-only");
openOnly?.addEventListener("change", () => {
  for (const layer of layers.filter((l) => l.hasLiveStatus)) layer.setOpenOnly(map, openOnly.checked);
  renderList();
});

for (const [layer, checkbox] of checkboxes) {
  const swatch = checkbox.labels[0]?.querySelector(".swatch");
  swatch?.classList.add(`swatch-${layer.drawsPoints ? "point" : "area"}`);
  swatch?.style.setProperty("--swatch", layer.style.swatch);
  checkbox.addEventListener("change", () => setVisible(layer, checkbox.checked));
}

// Lay the page out first, so the first view fits the map's size; until the user moves the map,
// fit it again whenever that size changes (fonts arriving, a rotated phone, a resized window).
renderChosen();
const bounds = catalogueBounds(config.layers);
let firstView = true;
function fitFirstView() {
  if (bounds) map.fitBounds(bounds, { animate: false });
  else map.setView([34.69, 135.5], 10); // Osaka, for an empty catalogue
}
fitFirstView();
for (const type of ["pointerdown", "wheel", "keydown"]) {
  mapElement.addEventListener(type, () => (firstView = false), { once: true, passive: true });
}
new ResizeObserver(() => {
  map.invalidateSize();
  if (firstView) fitFirstView();
}).observe(mapElement);
map.on("moveend", renderListSoon);
map.on("zoomend", () => {
  for (const layer of visibleLayers()) layer.fitZoom(map.getZoom());
});

const municipalitiesLoaded = fetch(config.urls.municipalities)
  .then((response) => {
    if (!response.ok) throw new Error(`${config.urls.municipalities}: HTTP ${response.status}`);
    return response.json();
  })
  .then((collection) => {
    names = municipalityNames(collection);
    boundaries = drawMunicipalities(map, collection);
  })
  .catch((error) => console.warn(error));

const ready = Promise.all([municipalitiesLoaded, ...checkedLayers().map((layer) => setVisible(layer, true))]).then(
  renderList,
);
renderList();
if (layers.some((layer) => layer.hasLiveStatus)) feed.start();

// Search: a place fits the map to it; a feature opens its popup, its layer turned on first if need be.
const searchInput = byId("search-input");

async function showSearchResult(feature, { pointer }) {
  firstView = false;
  const p = feature.properties ?? {};
  const [lon, lat] = feature.geometry?.coordinates ?? [];
  // A tap on a phone: let the on-screen keyboard go and show the map.
  if (pointer && !wide.matches) searchInput.blur();
  if (p.result_type !== "feature") {
    const [west, south, east, north] = feature.bbox ?? [];
    if (feature.bbox) map.fitBounds([[south, west], [north, east]], { animate: false });
    else map.setView([lat, lon], 14, { animate: false });
    if (!wide.matches) panels.close();
    return;
  }
  const layer = layers.find((l) => l.slug === p.layer);
  if (layer) {
    const checkbox = checkboxes.get(layer);
    if (!checkbox.checked) {
      checkbox.checked = true;
      await setVisible(layer, true);
    } else {
      await layer.load().catch(() => null);
    }
    const item = layer.isOn(map) ? layer.items.find((i) => i.feature.id === p.feature_id) : null;
    if (item) {
      focusFeature(item, { returnTo: pointer ? null : searchInput });
      return;
    }
  }
  map.setView([lat, lon], 16, { animate: false });
  if (!wide.matches) panels.close();
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
    // A loaded layer knows more than the search answer: say which designation a shelter has.
    kindOf: (p) => {
      const layer = layers.find((l) => l.slug === p.layer);
      const item = layer?.items.find((i) => i.feature.id === p.feature_id);
      return item ? kindOfPlace(layer, item.feature.properties ?? {}) : null;
    },
    onChoose: showSearchResult,
  });
  byId("search").hidden = false;
}

if (config.urls.here) {
  setUpHere({
    map,
    url: config.urls.here,
    button: byId("here-locate"),
    message: byId("here-message"),
    fallback: byId("here-fallback"),
    centreLinks: [byId("here-centre")],
  });
  byId("here-locate").hidden = false;
}

// A read-only view of the map's state, for the browser tests and for debugging in the console.
window.osakaMap = Object.freeze({
  map,
  ready,
  counts: () => ({
    municipalities: boundaries ? boundaries.getLayers().length : 0,
    layers: Object.fromEntries(layers.map((layer) => [layer.slug, layer.count])),
  }),
  onMap: () => visibleLayers().map((layer) => layer.slug),
  liveStatus: (municipality, id) => feed.get(municipality, id),
  openShelters: () => layers.flatMap((layer) => (layer.isOn(map) ? layer.openMarkers.getLayers().length : 0)),
});
