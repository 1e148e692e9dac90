/**
 * How each layer kind is drawn, as plain data: a colour for its points, and for areas the
 * property that picks the fill. A kind missing here still gets a colour from the fallback palette.
 * Colours come from the Okabe–Ito palette, distinguishable with the common colour-vision deficiencies.
 */

import { congestionValues, isOpen } from "./status-feed.js";

const L = globalThis.L;

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
        // Depth ranks (0.5 m, 3 m, 5 m, 10 m, 20 m) in the standard colours of MLIT's 水害ハザードマップ作成の
        // 手引き, as the paper hazard maps print them; the colours come with the code list (catalogue).
        field: "depth_rank",
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
  // Real assumed depths per building (PLATEAU): coloured by the deepest, in the same standard colours.
  building_hazard: { colour: "#6b7280", fillBy: [{ field: "deepest_rank" }] },
};

const FALLBACK_COLOURS = ["#0072b2", "#56b4e9", "#f0e442", "#000000"];

const OUTLINE = "#1f2937";

/** The drawing rules of one catalogue layer; `index` is its place in the catalogue. */
export function layerStyle(entry, index) {
  const known = KIND_STYLES[entry.kind];
  const colour = known?.colour ?? FALLBACK_COLOURS[index % FALLBACK_COLOURS.length];
  const fillBy = (known?.fillBy ?? []).map((rule) => ({
    ...rule,
    colours: rule.colours ?? codeColours(entry, rule.field),
  }));
  return { colour, fillBy, notice: Boolean(known?.notice), swatch: swatchOf(colour, fillBy) };
}

/** {code value: colour} from the catalogue's code list of `field` (e.g. the MLIT depth colours). */
function codeColours(entry, field) {
  const codes = entry.fields?.find((f) => f.name === field)?.codes ?? [];
  return Object.fromEntries(codes.filter((code) => code.colour).map((code) => [code.value, code.colour]));
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

// Open shelters stand out: a square symbol (every other point is a dot) in a purple no layer uses, filled
// from the bottom by how full it is, so the level reads in grey-scale too; the levels are the server's
// vocabulary (config.status_vocabulary), from the emptiest to full.
export const OPEN_COLOUR = "#5b2a86";
export const CLOSED_COLOUR = "#9ca3af";

/** How full an open shelter is, as a share of its symbol (¼ for the emptiest level … 1 for full); 0 unknown. */
export function congestionShare(congestion) {
  const levels = congestionValues();
  const index = levels.indexOf(congestion);
  return index < 0 ? 0 : (index + 1) / levels.length;
}

/** A point's style given its live status: closed shelters greyed; open ones are drawn by openShelterIcon. */
export function livePointStyle(style, zoom, live) {
  const plain = pointStyle(style, zoom);
  if (live && !isOpen(live.status) && live.status === "closed") return { ...plain, fillColor: CLOSED_COLOUR };
  return plain;
}

/** The symbol of an open shelter: 44 px to tap, a 24 px square drawn in it, filled to `congestionShare`. */
export function openShelterIcon(live) {
  const share = congestionShare(live.congestion);
  const html = `<span class="open-shelter" style="--fill:${Math.round(share * 100)}%"></span>`;
  return L.divIcon({ className: "open-shelter-icon", html, iconSize: [44, 44], iconAnchor: [22, 22], popupAnchor: [0, -12] });
}

export function areaStyle(style, properties) {
  const colour = featureColour(style, properties);
  return { color: colour, weight: 1, opacity: 1, fillColor: colour, fillOpacity: 0.5 };
}
