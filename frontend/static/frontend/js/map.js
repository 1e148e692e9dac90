/** The Leaflet map: base map, controls and the municipal boundaries. */

import { gettext } from "./i18n.js";
import { areaTiles, BIG_TILES } from "./tiles.js";

const L = globalThis.L;

const BOUNDARY_STYLE = { color: "#3f3f46", weight: 1, opacity: 0.7 };

/** The union of the catalogue layers' bounding boxes, as Leaflet bounds (null without any). */
export function catalogueBounds(entries) {
  const bounds = L.latLngBounds([]);
  for (const { bbox } of entries) {
    if (bbox) bounds.extend([[bbox[1], bbox[0]], [bbox[3], bbox[2]]]);
  }
  return bounds.isValid() ? bounds : null;
}

/** The map with its controls and base map; the caller sets the first view once the page is laid out. */
export function createMap(element, { basemap, renderer }) {
  // Half zoom steps let the whole prefecture fill a phone's or a desktop's map.
  // No fading: a closing popup goes at once (two never overlap), tiles appear when painted.
  const map = L.map(element, { renderer, zoomControl: false, zoomSnap: 0.5, minZoom: 7, maxZoom: 18, fadeAnimation: false });
  // Areas from vector tiles lie under the points, the boundaries and the popups.
  map.createPane("areas").style.zIndex = 350;
  // Then the municipal outlines (360), and the point layers' clusters over both.
  map.createPane("clusters").style.zIndex = 370;
  L.control.zoom({ position: "topright", zoomInTitle: gettext("Zoom in"), zoomOutTitle: gettext("Zoom out") }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  L.tileLayer(basemap.url, { attribution: markJapanese(basemap.attribution), maxZoom: 18 }).addTo(map);
  addCreditsButton(map);

  // Leaflet closes a popup on Escape only while the map itself has focus; do it from inside one too.
  element.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && event.target.closest?.(".leaflet-popup")) map.closePopup();
  });

  // Leaflet labels its popup close button in English; say it in the page's language.
  map.on("popupopen", ({ popup }) => {
    const close = popup.getElement()?.querySelector(".leaflet-popup-close-button");
    close?.setAttribute("aria-label", gettext("Close"));
    close?.setAttribute("title", gettext("Close"));
  });
  return map;
}

/** `html` in a span marked lang="ja" when it holds Japanese, so an English page says how to read it. */
export function markJapanese(html) {
  return isJapanese(html) ? `<span lang="ja">${html}</span>` : html;
}

export function isJapanese(text) {
  return /[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]/.test(String(text ?? ""));
}

/** The credits fold behind an ⓘ button on a phone (the CSS shows them always on a wide screen). */
function addCreditsButton(map) {
  const container = map.getContainer();
  const attribution = map.attributionControl.getContainer();
  attribution.id = `${container.id}-credits`;
  container.classList.add("credits-folded");
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => {
    const button = L.DomUtil.create("button", "credits-button");
    button.type = "button";
    button.textContent = "i";
    button.setAttribute("aria-label", gettext("Credits"));
    button.title = gettext("Credits");
    button.setAttribute("aria-controls", attribution.id);
    button.setAttribute("aria-expanded", "false");
    L.DomEvent.disableClickPropagation(button);
    button.addEventListener("click", () => {
      const folded = container.classList.toggle("credits-folded");
      button.setAttribute("aria-expanded", String(!folded));
    });
    return button;
  };
  control.addTo(map);
}

/** A line over the map for loading and error messages, announced by screen readers. */
export function addStatusLine(map) {
  const line = document.createElement("p");
  line.className = "map-status";
  line.setAttribute("role", "status");
  const control = L.control({ position: "topright" });
  control.onAdd = () => line;
  control.addTo(map);
  return line;
}

/**
 * The municipal boundaries as thin dashed outlines from vector tiles (layers/tiles/boundaries.py), over
 * the hazard areas and under the points; returns the tile layer (its featuresAt names the municipality).
 */
export function drawMunicipalities(map, url) {
  map.createPane("boundaries").style.zIndex = 360;
  const layer = areaTiles({
    url,
    name: "municipalities",
    pane: "boundaries",
    ...BIG_TILES,
    paint: (context, feature, scale) => {
      context.beginPath();
      for (const ring of feature.geometry) ring.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
      context.globalAlpha = BOUNDARY_STYLE.opacity;
      context.lineWidth = BOUNDARY_STYLE.weight / scale;
      context.setLineDash([4 / scale, 3 / scale]);
      context.strokeStyle = BOUNDARY_STYLE.color;
      context.stroke();
      context.setLineDash([]);
      context.globalAlpha = 1;
    },
  });
  layer.addTo(map);
  return layer;
}

/** The municipality codes whose outlines are drawn now. */
export function municipalitiesDrawn(boundaries) {
  const codes = new Set();
  for (const { coords, layer } of boundaries.decoded.values()) {
    if (coords.z !== boundaries._tileZoom) continue;
    for (const feature of layer?.features ?? []) codes.add(feature.properties.code);
  }
  return codes;
}

/** Municipality names by 5-digit code, as {ja, en} pairs (the page's config.municipalities). */
export function municipalityNames(index) {
  return new Map(Object.entries(index ?? {}).map(([code, { ja, en }]) => [code, { ja, en }]));
}
