/** The catalogue's layers on the map: GeoJSON fetched page by page, drawn, and kept for the list view. */

import { featureDetails } from "./popup.js";
import { markJapanese } from "./map.js";
import { isOpen, statusKey } from "./status-feed.js";
import { areaStyle, layerStyle, livePointStyle, openShelterIcon, pointSize } from "./styles.js";

const L = globalThis.L;

/**
 * Every feature of a layer, requesting `pageSize` at a time until a page comes back short. The page size is
 * the feature endpoint's largest `limit`, from the server's setting (config.features_page_size).
 */
export async function fetchAllFeatures(url, pageSize) {
  const features = [];
  let version;
  for (let offset = 0; ; offset += pageSize) {
    const pageUrl = new URL(url, document.baseURI);
    pageUrl.searchParams.set("limit", pageSize);
    pageUrl.searchParams.set("offset", offset);
    const response = await fetch(pageUrl, { headers: { Accept: "application/geo+json" } });
    if (!response.ok) throw new Error(`${pageUrl.pathname}: HTTP ${response.status}`);
    const page = await response.json();
    // Republished between two pages: the offsets no longer line up, so start again.
    if (version !== undefined && page.version !== version) return fetchAllFeatures(url, pageSize);
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

/** One catalogue layer: loads once, then shows and hides its Leaflet layer. */
export class MapLayer {
  constructor(entry, index, { municipalityName, pageSize }) {
    this.entry = entry;
    this.slug = entry.slug;
    this.style = layerStyle(entry, index);
    this.municipalityName = municipalityName;
    this.pageSize = pageSize;
    this.group = null;
    this.items = []; // {feature, path, layer, latlng, bounds} for the list view
    this.loading = null;
    this.size = null;
    this.zoom = 0;
    this.live = new Map(); // statusKey → live status, for layers whose kind has one
    this.openMarkers = L.layerGroup(); // open shelters' symbols, over the layer's dots
    this.openOnly = false;
    this.popupOptions = {
      // Narrow enough to sit beside the zoom buttons on a phone, and panned clear of them.
      maxWidth: Math.min(320, window.innerWidth - 120),
      minWidth: 180,
      autoPanPaddingTopLeft: [16, 72],
      autoPanPaddingBottomRight: [64, 16],
    };
  }

  get hasLiveStatus() {
    return Boolean(this.entry.live_status);
  }

  /** The live status of a feature of this layer, or null. */
  liveOf(feature) {
    return this.live.get(this.keyOf(feature)) ?? null;
  }

  /**
   * Takes the feed's new state: restyles changed points and redraws the open shelters' symbols. Popups are
   * built from the current state each time they open, and an open one is rebuilt here, so none goes stale.
   */
  applyStatus(byKey) {
    if (!this.hasLiveStatus) return;
    const before = this.live;
    this.live = byKey;
    for (const item of this.items) {
      const key = this.keyOf(item.feature);
      if (before.get(key) === byKey.get(key)) continue;
      item.path.setStyle?.(livePointStyle(this.style, this.zoom, byKey.get(key) ?? null));
      if (item.path.isPopupOpen?.()) refreshPopup(item.path.getPopup());
    }
    this.drawOpenMarkers();
  }

  keyOf(feature) {
    const p = feature.properties ?? {};
    return statusKey(p.municipality, p.source_id);
  }

  isOpenNow(item) {
    return isOpen(this.live.get(this.keyOf(item.feature))?.status);
  }

  /** The items drawn now: all, or with "open now only" the open shelters. */
  shownItems() {
    return this.openOnly ? this.items.filter((item) => this.isOpenNow(item)) : this.items;
  }

  drawOpenMarkers() {
    const popupWasOpen = this.openMarkers.getLayers().find((marker) => marker.isPopupOpen())?.item;
    this.openMarkers.clearLayers();
    for (const item of this.items) {
      const live = this.live.get(this.keyOf(item.feature));
      if (!isOpen(live?.status)) {
        item.marker = null;
        continue;
      }
      const marker = L.marker(item.latlng, {
        icon: openShelterIcon(live),
        title: item.feature.properties?.name ?? "",
        alt: item.feature.properties?.name ?? "",
        riseOnHover: true,
      });
      marker.item = item;
      marker.bindPopup(() => this.popupContent(item.feature), this.popupOptions);
      item.marker = marker;
      this.openMarkers.addLayer(marker);
      if (item === popupWasOpen) marker.openPopup();
    }
  }

  /** "Open now only": hides the layer's dots, keeping the open shelters' symbols. */
  setOpenOnly(map, openOnly) {
    this.openOnly = openOnly;
    if (!this.group || !map.hasLayer(this.openMarkers)) return;
    if (openOnly) map.removeLayer(this.group);
    else map.addLayer(this.group);
  }

  popupContent(feature) {
    return featureDetails(feature, this.entry, this.municipalityName, this.liveOf(feature));
  }

  get drawsPoints() {
    return this.entry.geometry_types.includes("Point");
  }

  get count() {
    return this.group ? this.group.getLayers().length : 0;
  }

  load() {
    this.loading ??= fetchAllFeatures(this.entry.features_url, this.pageSize).then(
      (features) => this.draw(features),
      (error) => {
        this.loading = null; // let the next attempt try again
        throw error;
      },
    );
    return this.loading;
  }

  draw(features) {
    const popupOptions = this.popupOptions;
    this.group = L.geoJSON(features, {
      attribution: markJapanese(escapeHtml(this.entry.attribution)),
      pointToLayer: (feature, latlng) =>
        L.circleMarker(latlng, livePointStyle(this.style, this.zoom, this.liveOf(feature))),
      // Leaflet applies `style` to points too; theirs is set in pointToLayer.
      style: (feature) => (feature.geometry.type.endsWith("Point") ? {} : areaStyle(this.style, feature.properties)),
      onEachFeature: (feature, path) => {
        path.bindPopup(() => this.popupContent(feature), popupOptions);
        const latlng = path.getLatLng ? path.getLatLng() : null;
        const bounds = latlng ? null : path.getBounds();
        this.items.push({ feature, path, layer: this, latlng: latlng ?? bounds.getCenter(), bounds });
      },
    });
  }

  isOn(map) {
    return Boolean(this.group && (map.hasLayer(this.group) || map.hasLayer(this.openMarkers)));
  }

  show(map) {
    if (!this.group) return;
    this.fitZoom(map.getZoom());
    if (!this.openOnly) map.addLayer(this.group);
    if (this.hasLiveStatus) map.addLayer(this.openMarkers);
  }

  /** Resizes the points for the zoom level. */
  fitZoom(zoom) {
    const size = pointSize(zoom);
    this.zoom = zoom;
    if (!this.drawsPoints || !this.group || size.radius === this.size?.radius) return;
    this.size = size;
    if (!this.hasLiveStatus) {
      this.group.eachLayer((path) => path.setRadius && path.setStyle(size));
      return;
    }
    for (const item of this.items) {
      item.path.setStyle?.(livePointStyle(this.style, zoom, this.liveOf(item.feature)));
    }
  }


  hide(map) {
    if (this.group) map.removeLayer(this.group);
    map.removeLayer(this.openMarkers);
  }
}

/**
 * Keeps the drawing order whatever the order of clicks: boundaries, then areas, then points, and
 * among points the catalogue's order, its first layer on top (as the panel lists them).
 */
export function restack(map, layers, boundaries) {
  for (const layer of [...layers].reverse()) {
    if (layer.drawsPoints && layer.isOn(map)) layer.group.bringToFront();
  }
  boundaries?.bringToBack();
}
