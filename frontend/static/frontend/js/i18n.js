/**
 * The page's language, labels from the catalogue's {ja, en} pairs, and gettext from Django's
 * JavaScript catalogue (the classic /jsi18n/ script, loaded before the modules, defines `django`).
 */

const catalogue = globalThis.django;

export const lang = (document.documentElement.lang || "ja").split("-")[0];

/** The text of a {ja, en} pair in the page's language, falling back to the other one. */
export function label(pair) {
  if (pair == null) return "";
  if (typeof pair === "string") return pair;
  return pair[lang] || pair.ja || pair.en || "";
}

export function gettext(text) {
  return catalogue ? catalogue.gettext(text) : text;
}

export function ngettext(singular, plural, count) {
  if (catalogue) return catalogue.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

/** Fills `%(name)s` placeholders, as Django's own interpolate() does with named=true. */
export function interpolate(format, values) {
  return format.replace(/%\((\w+)\)s/g, (match, key) => (key in values ? String(values[key]) : match));
}

// Made on first use: building an Intl formatter loads the locale's data, ~30 ms of a slow phone's start-up.
const formats = {};
function format(name, make) {
  formats[name] ??= make();
  return formats[name];
}

export function formatNumber(value) {
  return format("number", () => new Intl.NumberFormat(lang)).format(value);
}

/** 1,234 → "1234", 12,345 → "1.2万" (ja) or "12K" (en): a count that fits in a cluster's disc. */
export function formatCompactNumber(value) {
  return format("compact", () => new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 })).format(
    value,
  );
}

// For values from data: no separator in four-digit numbers, so a year reads 1953, not 1,953.
export function formatValueNumber(value) {
  return format("value", () => new Intl.NumberFormat(lang, { useGrouping: "min2" })).format(value);
}

export function formatList(values) {
  return format("list", () => new Intl.ListFormat(lang, { type: "conjunction" })).format(values.map(String));
}
