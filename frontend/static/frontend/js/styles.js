/**
 * How each layer kind is drawn, as plain data: a colour for its points, and for areas the
 * property that picks the fill. A kind missing here still gets a colour from the fallback palette.
 * Colours come from the Okabe–Ito palette, distinguishable with the common colour-vision deficiencies.
 */

import { congestionValues, isOpen } from "./status-feed.js";

const KIND_STYLES = {
  shelter: { colour: "#009e73" },
  childcare: { colour: "#cc79a7" },
  park: { colour: "#e69f00" },
  clinic: { colour: "#d55e00" },
  hazard_zone: {
    colour: "#6b7280",
    // Hazard layers carry a caution: their description is shown whenever they are on the map.
    notice: true,
    fillBy: [
      {
        // Flood depth ranks of the MLIT guideline (0.5 m, 3 m, 5 m, 10 m, 20 m), light to dark blue.
        field: "depth_rank",
        context: { field: "hazard_type", value: "flood" },
        colours: { 1: "#bfd8ee", 2: "#86b8de", 3: "#4f94c9", 4: "#2a6fad", 5: "#17508a", 6: "#0b3364" },
      },
      {
        // Landslide warning zones yellow, special warning zones red, as on municipal hazard maps;
        // areas surveyed but not yet designated in lighter shades of the same.
        field: "zone_class",
        context: { field: "hazard_type", value: "landslide" },
        colours: {
          warning: "#f2c200",
          special_warning: "#d7191c",
          warning_surveyed: "#f7e08a",
          special_warning_surveyed: "#ee8f8f",
        },
      },
    ],
  },
};

const FALLBACK_COLOURS = ["#0072b2", "#56b4e9", "#f0e442", "#000000"];

const OUTLINE = "#1f2937";

/** The drawing rules of one catalogue layer; `index` is its place in the catalogue. */
export function layerStyle(entry, index) {
  const known = KIND_STYLES[entry.kind];
  const colour = known?.colour ?? FALLBACK_COLOURS[index % FALLBACK_COLOURS.length];
  const fillBy = known?.fillBy ?? [];
  return { colour, fillBy, notice: Boolean(known?.notice), swatch: swatchOf(colour, fillBy) };
}

/** The layer's key in the panel: its colour, or a colour from each fill rule side by side. */
function swatchOf(colour, fillBy) {
  if (!fillBy.length) return colour;
  const colours = fillBy.map((rule) => {
    const values = Object.values(rule.colours);
    return values[Math.floor((values.length - 1) / 2)];
  });
  const step = 100 / colours.length;
  const stops = colours.map((c, i) => `${c} ${i * step}% ${(i + 1) * step}%`);
  return `linear-gradient(135deg, ${stops.join(", ")})`;
}

/** The fill colour of one feature: the first rule whose property has a colour, else the layer's. */
export function featureColour(style, properties) {
  for (const rule of style.fillBy) {
    const colour = rule.colours[properties?.[rule.field]];
    if (colour) return colour;
  }
  return style.colour;
}

/** Small dots over the whole prefecture, so areas beneath stay visible; larger when zoomed in to tap. */
export function pointSize(zoom) {
  if (zoom <= 10) return { radius: 2.5, weight: 0.5 };
  if (zoom <= 11) return { radius: 3.5, weight: 1 };
  if (zoom <= 13) return { radius: 5, weight: 1 };
  return { radius: 7, weight: 1.5 };
}

export function pointStyle(style, zoom) {
  return { ...pointSize(zoom), color: OUTLINE, opacity: 0.9, fillColor: style.colour, fillOpacity: 0.9 };
}

// Open shelters stand out: larger, with a dark ring, filled by how full they are. The ramp runs from the
// emptiest congestion level to full, in the order of the server's vocabulary (config.status_vocabulary).
const CONGESTION_RAMP = ["#009e73", "#f0e442", "#e69f00", "#d55e00"];
export const congestionColour = (congestion) => {
  const index = congestionValues().indexOf(congestion);
  return index < 0 ? undefined : CONGESTION_RAMP[Math.min(index, CONGESTION_RAMP.length - 1)];
};
export const CLOSED_COLOUR = "#9ca3af";

/** A point's style given its live status (null: no status, drawn as the layer's plain points). */
export function livePointStyle(style, zoom, live) {
  const plain = pointStyle(style, zoom);
  if (!live) return plain;
  if (isOpen(live.status)) {
    const fill = congestionColour(live.congestion) ?? style.colour;
    return { ...plain, radius: plain.radius + 3, weight: 3, color: "#111827", fillColor: fill, fillOpacity: 1 };
  }
  if (live.status === "closed") return { ...plain, fillColor: CLOSED_COLOUR };
  return plain;
}

export function areaStyle(style, properties) {
  const colour = featureColour(style, properties);
  return { color: colour, weight: 1, opacity: 1, fillColor: colour, fillOpacity: 0.5 };
}
