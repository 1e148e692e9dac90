/**
 * The catalogue's layers on the map, never downloaded whole: areas from the versioned vector tiles,
 * points as the server's clusters below DETAIL_ZOOM and, from it, the places in view as GeoJSON (with
 * popups and the list). Open shelters are drawn with their own symbol at every zoom.
 */

import { formatCompactNumber, formatNumber, gettext, interpolate } from "./i18n.js";
import { markJapanese } from "./map.js";
import { featureDetails } from "./popup.js";
import { isOpen, statusKey } from "./status-feed.js";
import { areaStyle, layerStyle, livePointStyle, openShelterIcon, pointSize } from "./styles.js";
import { areaTiles, BIG_TILES, clusterTiles } from "./tiles.js";

const L = globalThis.L;

// From this zoom a point layer shows its places (about a district on a phone); below it, clusters.
export const DETAIL_ZOOM = 13;
// How many open shelters one request asks for by id (the URL stays short).
const OPEN_CHUNK = 40;

/** A cluster's radius in CSS pixels: its area grows with the count, a dense town reads as one. */
export function clusterRadius(count) {
  return count < 2 ? 4 : Math.min(16, 8 + 2.5 * Math.log10(count));
}

async function fetchJson(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`${new URL(url).pathname}: HTTP ${response.status}`);
  return response.json();
}

/**
 * The features of `url` (with its query) page by page until a page comes back short. `pageSize` is the
 * feature endpoint's largest `limit`, from the server's setting (config.features_page_size).
 */
export async function fetchAllFeatures(url, pageSize, { signal } = {}) {
  const features = [];
  let version;
  for (let offset = 0; ; offset += pageSize) {
    const pageUrl = new URL(url, document.baseURI);
    pageUrl.searchParams.set("limit", pageSize);
    pageUrl.searchParams.set("offset", offset);
    const page = await fetchJson(pageUrl.href, signal);
    // Republished between two pages: the offsets no longer line up, so start again.
    if (version !== undefined && page.version !== version) return fetchAllFeatures(url, pageSize, { signal });
    version = page.version;
    for (const feature of page.features) features.push(feature);
    if (page.features.length < pageSize) return features;
  }
}

// Leaflet puts attribution text into the page as HTML; layer attributions are data.
function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Rebuilds an open popup from its content function, keeping the keyboard focus in it. */
function refreshPopup(popup) {
  const hadFocus = popup.getElement()?.contains(document.activeElement);
  popup.update();
  if (hadFocus) popup.getElement()?.querySelector(".popup-title")?.focus({ preventScroll: true });
}

function quote(text) {
  return `'${String(text).replace(/'/g, "''")}'`;
}

/** A CQL2 text filter selecting shelters by municipality and 共通ID (the status feed's keys). */
function byKeysFilter(statuses) {
  const byMunicipality = new Map();
  for (const s of statuses) byMunicipality.set(s.municipality, [...(byMunicipality.get(s.municipality) ?? []), s.id]);
  return [...byMunicipality]
    .map(([code, ids]) => `(municipality = ${quote(code)} AND source_id IN (${ids.map(quote).join(", ")}))`)
    .join(" OR ");
}

/** One catalogue layer on the map. */
export class MapLayer {
  constructor(entry, index, { municipalityName, pageSize, clusterUrl, renderer }) {
    this.entry = entry;
    this.slug = entry.slug;
    this.style = layerStyle(entry, index);
    this.municipalityName = municipalityName;
    this.pageSize = pageSize;
    this.clusterUrl = clusterUrl;
    this.renderer = renderer;
    this.filters = new URLSearchParams(); // the features endpoint's filter parameters, from the filter panel
    this.keep = () => true; // the same filters, tested on a tile feature's properties
    this.on = false;
    this.items = []; // the places drawn: {feature, path, layer, latlng, bounds}, for the list view
    this.byId = new Map();
    this.detail = L.featureGroup();
    this.loadedFor = null; // {bounds, query} the detail was loaded for
    this.loading = null;
    this.controller = null;
    this.zoom = 0;
    this.live = new Map(); // statusKey → live status, for layers whose kind has one
    this.openFeatures = new Map(); // statusKey → the GeoJSON feature of an open shelter
    this.openMarkers = L.layerGroup(); // open shelters' symbols, over everything else
    this.openOnly = false;
    this.popupOptions = {
      // Narrow enough to sit beside the zoom buttons on a phone, and panned clear of them.
      maxWidth: Math.min(320, window.innerWidth - 120),
      minWidth: 180,
      autoPanPaddingTopLeft: [16, 72],
      autoPanPaddingBottomRight: [64, 16],
    };
    const attribution = markJapanese(escapeHtml(entry.attribution));
    if (this.drawsPoints) {
      this.clusters = clusterTiles({
        url: clusterUrl,
        name: entry.slug,
        attribution,
        marker: (latlng, count) => this.clusterMarker(latlng, count),
        ...BIG_TILES,
      });
      this.detail.options.attribution = attribution;
    } else {
      this.areas = areaTiles({
        url: entry.tile_url,
        name: entry.slug,
        attribution,
        // The kind's own first zoom (buildings from 15): below it the areas are too small to tell apart.
        minZoom: entry.min_zoom ?? 0,
        // 512 px tiles for the layers drawn from low zooms, where a view takes many tiles; a layer that
        // starts close in (buildings) keeps 256 px tiles, so its first zoom's tiles are the ones it asks for.
        ...((entry.min_zoom ?? 0) <= DETAIL_ZOOM - 1 ? BIG_TILES : {}),
        pane: "areas",
        keep: (properties) => this.keep(properties),
        paint: (context, feature, scale) => this.paintArea(context, feature, scale),
      });
    }
  }

  get hasLiveStatus() {
    return Boolean(this.entry.live_status);
  }

  get drawsPoints() {
    return this.entry.geometry_types.includes("Point");
  }

  /** How many places are drawn one by one now (the detail zoom's places, or the open shelters). */
  get count() {
    return this.items.length;
  }

  keyOf(feature) {
    const p = feature.properties ?? {};
    return statusKey(p.municipality, p.source_id);
  }

  liveOf(feature) {
    return this.live.get(this.keyOf(feature)) ?? null;
  }

  // Drawing

  paintArea(context, feature, scale) {
    const style = areaStyle(this.style, feature.properties);
    context.beginPath();
    for (const ring of feature.geometry) {
      ring.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
    }
    context.globalAlpha = style.fillOpacity;
    context.fillStyle = style.fillColor;
    if (feature.type === 3) context.fill("evenodd");
    context.globalAlpha = 1;
    context.lineWidth = style.weight / scale;
    context.strokeStyle = style.color;
    context.stroke();
  }

  /**
   * One cluster: a translucent disc in the layer's colour, so the hazard areas beneath stay readable, with
   * how many places it holds (a single place is a plain dot). The marker is 16 px wider than the disc: a
   * finger a little off still hits it. A tap zooms in towards its places.
   */
  clusterMarker(latlng, count) {
    const radius = clusterRadius(count);
    const hit = 2 * radius + 16;
    const disc = document.createElement("span");
    disc.className = "cluster-disc";
    disc.style.setProperty("--size", `${2 * radius}px`);
    disc.style.setProperty("--colour", this.style.colour);
    if (count > 1) disc.textContent = formatCompactNumber(count);
    const marker = L.marker(latlng, {
      icon: L.divIcon({ className: "cluster", html: disc, iconSize: [hit, hit] }),
      keyboard: false,
      title: interpolate(gettext("%(count)s places: zoom in to see them"), { count: formatNumber(count) }),
      pane: "clusters",
    });
    marker.on("click", () => {
      const map = marker._map;
      map?.setView(latlng, Math.min(DETAIL_ZOOM, map.getZoom() + 2));
    });
    return marker;
  }

  /** How many clusters are drawn now. */
  get clusterCount() {
    return this.clusters ? this.clusters.clusterCount() : 0;
  }

  // On and off, zoom and filters

  isOn(map) {
    return this.on && Boolean(map);
  }

  show(map) {
    this.on = true;
    if (this.areas) map.addLayer(this.areas);
    if (this.hasLiveStatus) map.addLayer(this.openMarkers);
    return this.update(map);
  }

  hide(map) {
    this.on = false;
    for (const layer of [this.areas, this.clusters, this.detail, this.openMarkers]) if (layer) map.removeLayer(layer);
    this.controller?.abort();
    this.items = [];
    this.byId.clear();
    this.detail.clearLayers();
    this.loadedFor = null;
  }

  /** After a move or zoom: clusters or places for the new view (returns when the places are in). */
  update(map) {
    if (!this.on || !this.drawsPoints) return Promise.resolve();
    this.fitZoom(map.getZoom());
    const detailed = map.getZoom() >= DETAIL_ZOOM;
    const showClusters = !detailed && !this.openOnly;
    if (showClusters !== map.hasLayer(this.clusters)) {
      if (showClusters) map.addLayer(this.clusters);
      else map.removeLayer(this.clusters);
    }
    const showDetail = detailed && !this.openOnly;
    if (!showDetail) {
      map.removeLayer(this.detail);
      return Promise.resolve();
    }
    map.addLayer(this.detail);
    return this.loadDetail(map);
  }

  /** The places in (a margin around) the view, unless those loaded already cover it. */
  loadDetail(map) {
    const query = this.filters.toString();
    const view = map.getBounds();
    if (this.loadedFor && this.loadedFor.query === query && this.loadedFor.bounds.contains(view)) {
      return this.loading ?? Promise.resolve();
    }
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const bounds = view.pad(0.3);
    const url = new URL(this.entry.features_url, document.baseURI);
    for (const [name, value] of this.filters) url.searchParams.set(name, value);
    url.searchParams.set("bbox", bounds.toBBoxString());
    this.loadedFor = { bounds, query };
    this.loading = fetchAllFeatures(url.href, this.pageSize, { signal: controller.signal })
      .then((features) => {
        if (controller.signal.aborted) return;
        this.drawDetail(features);
      })
      .catch((error) => {
        if (error.name === "AbortError") return;
        this.loadedFor = null;
        throw error;
      })
      .finally(() => {
        if (this.controller === controller) this.loading = null;
      });
    return this.loading;
  }

  /** Draws `features`, keeping the markers (and any open popup) of places drawn already. */
  drawDetail(features) {
    const keep = new Set(features.map((f) => f.id));
    for (const [id, item] of this.byId) {
      if (!keep.has(id) && !item.path.isPopupOpen()) {
        this.detail.removeLayer(item.path);
        this.byId.delete(id);
      }
    }
    for (const feature of features) {
      if (this.byId.has(feature.id)) continue;
      const [lon, lat] = feature.geometry.coordinates;
      const latlng = L.latLng(lat, lon);
      const path = L.circleMarker(latlng, {
        renderer: this.renderer,
        ...livePointStyle(this.style, this.zoom, this.liveOf(feature)),
      });
      path.bindPopup(() => this.popupContent(feature), this.popupOptions);
      const item = { feature, path, layer: this, latlng, bounds: null };
      path.item = item;
      this.byId.set(feature.id, item);
      this.detail.addLayer(path);
    }
    this.items = [...this.byId.values()];
  }

  /** Resizes the points for the zoom level. */
  fitZoom(zoom) {
    const changed = pointSize(zoom).radius !== pointSize(this.zoom).radius;
    this.zoom = zoom;
    if (!changed) return;
    for (const item of this.items) item.path.setStyle(livePointStyle(this.style, zoom, this.liveOf(item.feature)));
  }

  /** New filters: `params` for the server's requests, `keep` for tile features already here. */
  setFilters(map, params, keep) {
    this.filters = params;
    this.keep = keep;
    if (this.areas) this.areas.repaint();
    if (this.clusters) {
      const query = [...params];
      this.clusters.options.query = query;
      if (map.hasLayer(this.clusters)) this.clusters.redraw();
    }
    this.openFeatures.clear();
    this.loadedFor = null;
    this.items = [];
    this.byId.clear();
    this.detail.clearLayers();
    return Promise.all([this.on ? this.update(map) : null, this.loadOpenFeatures()]);
  }

  /** "Open now only": hides the dots and clusters, keeping the open shelters' symbols. */
  setOpenOnly(map, openOnly) {
    this.openOnly = openOnly;
    return this.on ? this.update(map) : Promise.resolve();
  }

  // Popups and the list

  popupContent(feature) {
    return featureDetails(feature, this.entry, this.municipalityName, this.liveOf(feature));
  }

  /** The list's places in `bounds`: the places drawn, the open shelters, or for areas the tiles' features. */
  itemsIn(bounds) {
    if (this.areas) {
      // An area under the map's centre is nearest of all, however far its own middle lies.
      const map = this.areas._map;
      const atCentre = new Set(map ? this.areas.featuresAt(map.getCenter()).map((f) => f.id) : []);
      return this.areas.featuresIn(bounds).map(({ feature, bounds: box, latlng }) => ({
        feature: { id: feature.id, properties: feature.properties },
        layer: this,
        latlng,
        bounds: box,
        path: null,
        underCentre: atCentre.has(feature.id),
      }));
    }
    const openItems = [...this.openMarkers.getLayers()].map((marker) => marker.item);
    const items = this.openOnly ? openItems : [...this.items, ...openItems.filter((i) => !this.byId.has(i.feature.id))];
    return items.filter((item) => bounds.contains(item.latlng));
  }

  /** How many places the clusters in `bounds` hold, while the layer shows clusters. */
  clusteredIn(map, bounds) {
    return this.clusters && map.hasLayer(this.clusters) ? this.clusters.countIn(bounds) : 0;
  }

  /** Opens an item's popup: a drawn place's own, an open shelter's symbol's, or an area's (fetched). */
  async openPopup(map, item) {
    const byId = this.byId.get(item.feature.id);
    const marker = this.openMarkers.getLayers().find((m) => m.item.feature.id === item.feature.id);
    const target = marker ?? (byId && map.hasLayer(this.detail) ? byId.path : null);
    if (target) {
      target.openPopup();
      return target.getPopup();
    }
    const url = new URL(`${this.entry.features_url}${item.feature.id}/`, document.baseURI);
    const feature = await fetchJson(url.href);
    const latlng = item.latlng ?? L.geoJSON(feature).getBounds().getCenter();
    const popup = L.popup(this.popupOptions)
      .setLatLng(latlng)
      .setContent(() => this.popupContent(feature));
    popup.item = { ...item, feature, latlng };
    if (!map.getBounds().contains(latlng)) map.setView(latlng, Math.max(map.getZoom(), 15), { animate: false });
    popup.openOn(map);
    return popup;
  }

  /** The area under a click, if this layer has one there. */
  areaAt(latlng) {
    const [feature] = this.areas?.featuresAt(latlng) ?? [];
    return feature ? { feature: { id: feature.id, properties: feature.properties }, layer: this, latlng } : null;
  }

  // Live status

  /**
   * Takes the feed's new state: restyles changed points and redraws the open shelters' symbols. Popups are
   * built from the current state each time they open, and an open one is rebuilt here, so none goes stale.
   */
  applyStatus(byKey) {
    if (!this.hasLiveStatus) return Promise.resolve();
    const before = this.live;
    this.live = byKey;
    for (const item of this.items) {
      const key = this.keyOf(item.feature);
      if (before.get(key) === byKey.get(key)) continue;
      item.path.setStyle(livePointStyle(this.style, this.zoom, byKey.get(key) ?? null));
      if (item.path.isPopupOpen()) refreshPopup(item.path.getPopup());
    }
    this.drawOpenMarkers();
    return this.loadOpenFeatures();
  }

  /** Fetches the open shelters not yet known (by municipality and 共通ID, with the layer's filters). */
  async loadOpenFeatures() {
    if (!this.hasLiveStatus) return;
    const missing = [...this.live.values()].filter(
      (s) => isOpen(s.status) && !this.openFeatures.has(statusKey(s.municipality, s.id)),
    );
    try {
      for (let i = 0; i < missing.length; i += OPEN_CHUNK) {
        for (const feature of await this.fetchByKeys(missing.slice(i, i + OPEN_CHUNK))) {
          this.openFeatures.set(this.keyOf(feature), feature);
        }
      }
    } catch (error) {
      console.warn("open shelters:", error);
    }
    if (missing.length) this.drawOpenMarkers();
  }

  /** The features of `statuses` (feed entries): one CQL2 request, or without CQL2 their municipalities'. */
  async fetchByKeys(statuses) {
    const url = new URL(this.entry.features_url, document.baseURI);
    for (const [name, value] of this.filters) url.searchParams.set(name, value);
    if (this.cqlWorks !== false) {
      url.searchParams.set("filter", byKeysFilter(statuses));
      try {
        const features = await fetchAllFeatures(url.href, this.pageSize);
        this.cqlWorks = true;
        return features;
      } catch (error) {
        if (this.cqlWorks) throw error;
        this.cqlWorks = false; // a server without the `filter` parameter
        url.searchParams.delete("filter");
      }
    }
    const wanted = new Set(statuses.map((s) => statusKey(s.municipality, s.id)));
    const found = [];
    for (const code of new Set(statuses.map((s) => s.municipality))) {
      url.searchParams.set("municipality", code);
      for (const feature of await fetchAllFeatures(url.href, this.pageSize)) {
        if (wanted.has(this.keyOf(feature))) found.push(feature);
      }
    }
    return found;
  }

  drawOpenMarkers() {
    const openPopup = this.openMarkers.getLayers().find((marker) => marker.isPopupOpen());
    const keepOpen = openPopup && isOpen(this.liveOf(openPopup.item.feature)?.status) ? openPopup.item.feature.id : null;
    if (openPopup && keepOpen !== null) refreshPopup(openPopup.getPopup());
    this.openMarkers.clearLayers();
    for (const [key, feature] of this.openFeatures) {
      const live = this.live.get(key);
      if (!isOpen(live?.status)) continue;
      const [lon, lat] = feature.geometry.coordinates;
      const latlng = L.latLng(lat, lon);
      const name = feature.properties?.name ?? "";
      const marker = L.marker(latlng, { icon: openShelterIcon(live), title: name, alt: name, riseOnHover: true });
      marker.item = this.byId.get(feature.id) ?? { feature, path: null, layer: this, latlng, bounds: null };
      marker.bindPopup(() => this.popupContent(feature), this.popupOptions);
      this.openMarkers.addLayer(marker);
      if (feature.id === keepOpen) marker.openPopup();
    }
  }
}


