/**
 * The hazard report for one point, in the "Here" panel and on the map: the hazards at the point first,
 * then the suggested shelters (open and suitable ones first, as the server orders them), each a button
 * that shows it on the map. The point has its own marker and the shelters numbered ones, shown while the
 * panel is open (or one of the report's shelters is being shown) and replaced when another point is chosen.
 */

import { gettext, interpolate, label } from "./i18n.js";
import { element } from "./popup.js";
import { congestionLabel, isOpen, statusLabel } from "./status-feed.js";

const L = globalThis.L;

/** The place's name in the page's language; 大阪市北区 read as Japanese where it is shown so. */
function placeName(report) {
  const places = [report.municipality, report.ward].filter(Boolean);
  if (!places.length) return null;
  const ja = places.map((p) => p.name.ja).join("");
  const en = places.map((p) => p.name.en).reverse().join(", ");
  return document.documentElement.lang.startsWith("en") && en ? { text: en } : { text: ja, lang: "ja" };
}

export class ReportPanel {
  /**
   * `section` is the panel, `container` where the report goes, `message` a status region for loading and
   * failures; `url` the hazard report API, `pageUrl` the /here page; `liveStatus(municipality, id)` the
   * feed's newer status if any; `showShelter(feature, returnTo)` brings a shelter into view with its popup
   * (focus goes back to `returnTo` when it closes); `openPanel()` opens this panel.
   */
  constructor({ map, section, container, message, url, pageUrl, liveStatus = () => null, showShelter, openPanel }) {
    Object.assign(this, { map, section, container, message, url, pageUrl, liveStatus, showShelter, openPanel });
    this.markers = L.layerGroup();
    this.report = null;
    this.request = null;
    this.showingShelter = false;
    // The markers follow the panels: shown while this one is open, gone when it closes or another opens,
    // except while one of the report's shelters is being shown (a phone's sheet closes for its popup).
    const observer = new MutationObserver(() => this.follow());
    for (const panel of document.querySelectorAll(".panel")) {
      observer.observe(panel, { attributes: true, attributeFilter: ["hidden"] });
    }
  }

  follow() {
    const open = !this.section.hidden;
    const other = [...document.querySelectorAll(".panel")].some((p) => p !== this.section && !p.hidden);
    if (open || other) this.showingShelter = false;
    const show = this.report && (open || this.showingShelter);
    if (show && !this.map.hasLayer(this.markers)) this.markers.addTo(this.map);
    if (!show && this.map.hasLayer(this.markers)) this.markers.remove();
  }

  /** Fetches and shows the report for `latlng`; `where` says what the point is ("here", "centre" or "point"). */
  async show(latlng, { where = "centre" } = {}) {
    this.request?.abort();
    const request = new AbortController();
    this.request = request;
    this.clear();
    this.message.textContent = gettext("Loading the report…");
    const address = new URL(this.url, document.baseURI);
    address.searchParams.set("lat", latlng.lat.toFixed(6));
    address.searchParams.set("lon", latlng.lng.toFixed(6));
    address.searchParams.set("lang", document.documentElement.lang.startsWith("en") ? "en" : "ja");
    let report;
    try {
      const response = await fetch(address, { headers: { Accept: "application/json" }, signal: request.signal });
      if (!response.ok) throw new Error(`${response.status}`);
      report = await response.json();
    } catch (error) {
      if (error.name === "AbortError") return;
      console.warn("hazard report:", error);
      this.message.textContent = gettext("The report could not be loaded. Please try again later.");
      return;
    }
    if (this.request !== request) return;
    this.request = null;
    this.message.textContent = "";
    this.report = report;
    // A shared link keeps a chosen point's report, never where the user is.
    this.point = where === "here" ? null : latlng;
    this.render(report, latlng, where);
    this.draw(report, latlng, where);
    this.fit();
    this.follow();
    this.container.querySelector(".here-report-heading").focus({ preventScroll: false });
  }

  clear() {
    this.report = null;
    this.point = null;
    this.markers.clearLayers();
    this.markers.remove();
    this.container.replaceChildren();
    this.container.hidden = true;
  }

  render(report, latlng, where) {
    const headings = { here: gettext("Where you are"), centre: gettext("At the map centre") };
    const heading = element("h3", { className: "here-report-heading", text: headings[where] ?? gettext("At this point") });
    heading.tabIndex = -1;
    const parts = [heading];
    const place = placeName(report);
    if (place) parts.push(element("p", { className: "here-place", ...place }));
    parts.push(element("p", { className: "here-summary", text: report.message }));
    if (report.building?.text) parts.push(element("p", { className: "here-building", text: report.building.text }));

    const inside = report.hazards.filter((h) => h.inside);
    if (inside.length) {
      const list = element("ul", { className: "here-hazards" });
      for (const hazard of inside) {
        const item = element("li", { className: "here-hazard" });
        item.append(element("p", { className: "here-hazard-name", text: hazard.name }));
        if (hazard.level?.label) {
          item.append(element("p", { text: `${hazard.level.heading}: ${hazard.level.label}` }));
        }
        if (hazard.advice) item.append(element("p", { className: "here-advice", text: hazard.advice }));
        list.append(item);
      }
      parts.push(list);
    }
    const outside = report.hazards.filter((h) => !h.inside);
    if (outside.length && report.inside_prefecture) {
      const text = interpolate(gettext("Not in a mapped zone: %(hazards)s"), {
        hazards: outside.map((h) => h.short_name).join(document.documentElement.lang.startsWith("en") ? ", " : "、"),
      });
      parts.push(element("p", { className: "here-outside", text }));
    }

    const suggested = report.suggested_shelters;
    if (suggested) {
      parts.push(element("h3", { className: "here-shelters-heading", text: gettext("Shelters to go to") }));
      if (suggested.distance_basis === "straight_line") {
        parts.push(element("p", { className: "here-distance-note", text: suggested.distance_note }));
      }
      if (suggested.features.length) {
        const list = element("ol", { className: "here-shelters" });
        for (const feature of suggested.features) list.append(this.shelterItem(feature, suggested));
        parts.push(list);
      } else {
        parts.push(element("p", { text: gettext("No shelter was found near this point.") }));
      }
    }

    // After the shelters: the map's own notice already says the hazard layer is a sample.
    if (report.sample_data && report.notes?.[0]) {
      parts.push(element("p", { className: "here-sample", text: report.notes[0] }));
    }
    const page = new URL(this.pageUrl, document.baseURI);
    page.searchParams.set("lat", latlng.lat.toFixed(6));
    page.searchParams.set("lon", latlng.lng.toFixed(6));
    const link = element("a", { className: "here-page-link", text: gettext("This report as a page (sources and details)") });
    link.href = page.href;
    const linkLine = element("p", { className: "here-page" });
    linkLine.append(link);
    parts.push(linkLine);
    this.container.replaceChildren(...parts);
    this.container.hidden = false;
  }

  shelterItem(feature, suggested) {
    const p = feature.properties;
    const li = element("li");
    const button = element("button", { className: "here-shelter" });
    button.type = "button";
    const rank = element("span", { className: "here-rank", text: String(p.rank) });
    rank.setAttribute("aria-hidden", "true");
    const name = element("span", { className: "here-shelter-name" });
    name.append(element("span", { className: "visually-hidden", text: `${p.rank}. ` }));
    name.append(element("span", { text: p.name || gettext("(no name)"), lang: p.name ? "ja" : undefined }));

    // The feed's status if it is newer than the report's; a shelter nobody reported on says so.
    const live = this.liveStatus(p.municipality, p.source_id) ?? (p.status?.updated_at ? p.status : null);
    const statusLine = element("span", { className: "here-shelter-status" });
    if (live && isOpen(live.status)) {
      const swatch = element("span", { className: "open-shelter" });
      swatch.setAttribute("aria-hidden", "true");
      statusLine.append(swatch);
    }
    const statusText = live
      ? [statusLabel(live.status), isOpen(live.status) && congestionLabel(live.congestion)].filter(Boolean).join(" · ")
      : gettext("No opening report");
    statusLine.append(document.createTextNode(statusText));
    const distance =
      suggested.distance_basis === "straight_line"
        ? interpolate(gettext("%(distance)s in a straight line"), { distance: p.distance_text })
        : p.distance_text;
    const meta = element("span", { className: "here-shelter-meta", text: distance });
    const suitability = element("span", {
      className: `here-suitability${p.suitable === false ? " not-suitable" : ""}`,
      text: p.suitability_text,
    });
    button.append(rank, name, statusLine, meta, suitability);
    button.addEventListener("click", () => this.select(feature, button));
    li.append(button);
    return li;
  }

  /** Shows a shelter of the report with its popup; the report's markers stay while it is shown. */
  select(feature, button) {
    this.showingShelter = true;
    this.showShelter(feature, {
      // Back from the popup: to this button, the panel opened again if a phone's sheet closed for it.
      focus: () => {
        if (this.section.hidden) this.openPanel();
        button.focus();
      },
    });
  }

  draw(report, latlng, where) {
    const point = element("span", { className: "report-point" });
    point.setAttribute("role", "img");
    point.setAttribute(
      "aria-label",
      where === "here" ? gettext("Where you are") : gettext("The point of the report"),
    );
    this.markers.addLayer(
      L.marker(latlng, {
        icon: L.divIcon({ className: "report-point-icon", html: point, iconSize: [36, 36], iconAnchor: [18, 36] }),
        interactive: false,
        keyboard: false,
        zIndexOffset: 2000,
      }),
    );
    for (const feature of report.suggested_shelters?.features ?? []) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      const badge = element("span", { className: "report-shelter" });
      badge.append(element("span", { text: String(p.rank) }));
      const name = element("span", { className: "visually-hidden" });
      name.append(
        document.createTextNode(interpolate(gettext("Suggested shelter %(rank)s:"), { rank: p.rank }) + " "),
        element("span", { text: p.name, lang: "ja" }),
      );
      badge.append(name);
      const marker = L.marker([lat, lon], {
        icon: L.divIcon({ className: "report-shelter-icon", html: badge, iconSize: [44, 44] }),
        keyboard: false,
        zIndexOffset: 1000 - p.rank,
      });
      marker.on("click", () => {
        const button = this.container.querySelectorAll(".here-shelter")[p.rank - 1];
        this.select(feature, button);
      });
      this.markers.addLayer(marker);
    }
  }

  /** The point and its shelters in view, clear of the panel (beside the map or a sheet over its foot). */
  fit() {
    const points = this.markers.getLayers().map((m) => m.getLatLng());
    if (!points.length) return;
    const mapBox = this.map.getContainer().getBoundingClientRect();
    const panel = this.section.hidden ? null : this.section.getBoundingClientRect();
    // The notices lie over the map's top edge: keep the point from under them.
    const notices = document.querySelector(".notices")?.getBoundingClientRect();
    const top = Math.max(32, notices?.height ? notices.bottom - mapBox.top + 32 : 0);
    let topLeft = [32, top];
    let bottomRight = [32, 24];
    if (panel && panel.width < mapBox.width * 0.6) topLeft = [panel.right - mapBox.left + 32, top];
    else if (panel) bottomRight = [32, Math.max(24, mapBox.bottom - panel.top + 16)];
    this.map.fitBounds(L.latLngBounds(points), {
      paddingTopLeft: topLeft,
      paddingBottomRight: bottomRight,
      maxZoom: 17,
      animate: false,
    });
  }
}
