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

const numberFormat = new Intl.NumberFormat(lang);
// For values from data: no separator in four-digit numbers, so a year reads 1953, not 1,953.
const valueFormat = new Intl.NumberFormat(lang, { useGrouping: "min2" });
const listFormat = new Intl.ListFormat(lang, { type: "conjunction" });

export function formatNumber(value) {
  return numberFormat.format(value);
}

export function formatValueNumber(value) {
  return valueFormat.format(value);
}

export function formatList(values) {
  return listFormat.format(values.map(String));
}
