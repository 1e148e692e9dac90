/**
 * The places of the visible layers that lie in the current map view, nearest the centre first:
 * a keyboard and screen-reader route to what the canvas draws. Each place is a button that
 * brings it into view and opens its popup.
 */

import { formatNumber, gettext, interpolate, label, ngettext } from "./i18n.js";
import { formatValue } from "./popup.js";
import { congestionLabel, isOpen, statusLabel } from "./status-feed.js";
import { congestionShare, featureColour } from "./styles.js";

export const LIST_LIMIT = 100;

/** What a place is: its value of the kind's first code field (a shelter's designation), else its layer. */
export function kindOfPlace(layer, properties) {
  const field = layer.entry.fields.find((f) => f.type === "code");
  const value = field && properties[field.name];
  return value == null || value === "" ? label(layer.entry.name) : formatValue(field, value);
}

/** How far `item` is from the map's centre: an area under it or around it is nearest (0 m, then 1 m). */
function distanceFrom(centre, item) {
  if (item.underCentre) return 0;
  if (item.bounds?.contains(centre)) return 1;
  return centre.distanceTo(item.latlng);
}

const itemKey = (item) => `${item.layer.slug}:${item.feature.id}`;

export class ListView {
  constructor({ map, section, summary, list, more, municipalityName, onSelect }) {
    Object.assign(this, { map, section, summary, list, more, municipalityName, onSelect });
    this.buttons = new Map(); // item → its button in the current list
  }

  /** Focus back on an item's button (say when its popup closes), or on the list if it has gone. */
  focus(item) {
    (this.buttons.get(itemKey(item)) ?? this.section).focus();
  }

  /** The items of `layers` in the map view, nearest the centre first. */
  itemsInView(layers) {
    const bounds = this.map.getBounds();
    const centre = this.map.getCenter();
    const found = [];
    for (const layer of layers) {
      for (const item of layer.itemsIn(bounds)) {
        found.push({ item, distance: distanceFrom(centre, item) });
      }
    }
    found.sort((a, b) => a.distance - b.distance);
    return found.map(({ item }) => item);
  }

  /** Lists the places of `layers` in view; `loading` says whether more layers are on their way. */
  render(layers, { loading = false } = {}) {
    const items = this.itemsInView(layers);
    const shown = items.slice(0, LIST_LIMIT);
    // Below the detail zoom, points are clusters: counted here, listed once the map is zoomed in.
    const bounds = this.map.getBounds();
    const clustered = layers.reduce((sum, layer) => sum + layer.clusteredIn(this.map, bounds), 0);
    // The list is redrawn when the map moves or a shelter's status changes: keep a keyboard or
    // screen-reader user on the place they were on, not thrown back to the top of the page.
    const focused = [...this.buttons].find(([, button]) => button === document.activeElement)?.[0];
    this.buttons = new Map(shown.map((item) => [itemKey(item), this.button(item)]));
    this.list.replaceChildren(...[...this.buttons.values()].map((button) => button.parentElement));
    if (focused) this.buttons.get(focused)?.focus({ preventScroll: true });

    if (!layers.length) {
      this.summary.textContent = loading ? gettext("Loading…") : gettext("No layer is shown.");
    } else if (!items.length && !clustered) {
      this.summary.textContent = gettext("No places in this map view. Zoom out or move the map.");
    } else {
      const text = ngettext(
        "%(count)s place in this map view, nearest the centre first.",
        "%(count)s places in this map view, nearest the centre first.",
        items.length,
      );
      this.summary.textContent = interpolate(text, { count: formatNumber(items.length) });
    }
    const hidden = items.length - shown.length + clustered;
    this.more.hidden = hidden <= 0;
    this.more.textContent =
      hidden > 0
        ? interpolate(ngettext("%(count)s more: zoom in to list it.", "%(count)s more: zoom in to list them.", hidden), {
            count: formatNumber(hidden),
          })
        : "";
  }

  button(item) {
    const { feature, layer } = item;
    const p = feature.properties ?? {};
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "feature-button";

    const live = layer.hasLiveStatus ? layer.liveOf(feature) : null;
    const swatch = document.createElement("span");
    swatch.setAttribute("aria-hidden", "true");
    if (isOpen(live?.status)) {
      // The open shelter's own symbol, as on the map.
      swatch.className = "open-shelter";
      swatch.style.setProperty("--fill", `${Math.round(congestionShare(live.congestion) * 100)}%`);
    } else {
      swatch.className = `swatch swatch-${layer.drawsPoints ? "point" : "area"}`;
      swatch.style.setProperty("--swatch", featureColour(layer.style, p));
    }
    const name = document.createElement("span");
    name.className = "feature-name";
    name.textContent = p.name || gettext("(no name)");
    if (p.name) name.lang = "ja";
    const meta = document.createElement("span");
    meta.className = "feature-meta";
    const municipality = this.municipalityName(p.municipality, p.ward);
    const liveText = !layer.hasLiveStatus
      ? []
      : live
        ? [statusLabel(live.status), isOpen(live.status) && congestionLabel(live.congestion)]
        : [gettext("No opening report")];
    meta.textContent = [...liveText, kindOfPlace(layer, p), municipality && label(municipality)]
      .filter(Boolean)
      .join(" · ");

    button.append(swatch, name, meta);
    button.addEventListener("click", () => this.onSelect(item));
    li.append(button);
    return button;
  }
}
