/** A feature's details as DOM nodes: every value from data goes in as text, never as HTML. */

import { formatList, formatNumber, formatValueNumber, gettext, interpolate, label, lang } from "./i18n.js";
import { isJapanese } from "./map.js";
import { congestionLabel, isOpen, statusLabel } from "./status-feed.js";

/** A new element with its class, text (never HTML) and language. */
export function element(tag, { className, text, lang } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  if (lang) node.lang = lang;
  return node;
}

function isEmpty(value) {
  return value == null || value === "" || (Array.isArray(value) && value.length === 0);
}

function codeLabel(field, value) {
  const code = field.codes?.find((c) => c.value === String(value));
  return code ? label(code.label) : String(value);
}

/** A property value as text, with code labels and numbers in the page's language. */
export function formatValue(field, value) {
  switch (field.type) {
    case "boolean":
      return value ? gettext("Yes") : gettext("No");
    case "codes":
    case "tags":
      return formatList([].concat(value).map((v) => codeLabel(field, v)));
    case "integer":
    case "number":
      return field.codes?.length ? codeLabel(field, value) : formatValueNumber(value);
    default:
      return codeLabel(field, value);
  }
}

function valueNode(text) {
  // Only web addresses become links, so a value can never smuggle in another scheme.
  if (/^https?:\/\/\S+$/i.test(text)) {
    const link = element("a", { text });
    link.href = text;
    link.rel = "noopener noreferrer";
    link.target = "_blank";
    return link;
  }
  // Text from data in Japanese says so, for a screen reader on an English page.
  return isJapanese(text) ? element("span", { text, lang: "ja" }) : document.createTextNode(text);
}

/**
 * Where the layer's data comes from: its source and 時点 (as of when) in one short line, and its 加工
 * statement (how it was processed) folded under it, so the popup stays short on a phone.
 */
function creditNode(credit) {
  const parts = [];
  if (credit.source) parts.push(element("span", { text: credit.source, lang: isJapanese(credit.source) ? "ja" : null }));
  if (credit.data_as_of) {
    parts.push(document.createTextNode(interpolate(gettext("as of %(date)s"), { date: credit.data_as_of })));
  }
  if (!parts.length && !credit.processing) return null;
  const line = (node) => parts.forEach((part, i) => node.append(...(i ? [document.createTextNode(" · "), part] : [part])));
  if (!credit.processing) {
    const box = element("p", { className: "popup-credit" });
    line(box);
    return box;
  }
  const box = element("details", { className: "popup-credit" });
  const summary = element("summary");
  if (parts.length) line(summary);
  else summary.textContent = gettext("Source");
  const processing = element("p", { className: "popup-processing", text: credit.processing });
  if (isJapanese(credit.processing)) processing.lang = "ja";
  box.append(summary, processing);
  return box;
}

/** The live status of a shelter: opening status, how full, evacuees, the staff's note and when. */
function liveStatus(live) {
  const box = element("div", { className: `popup-live live-${live.status}` });
  const open = isOpen(live.status);
  const parts = [statusLabel(live.status)];
  if (open && live.congestion) parts.push(congestionLabel(live.congestion));
  box.append(element("p", { className: "popup-live-status", text: parts.join(" · ") }));
  if (open) {
    const count = live.capacity
      ? interpolate(gettext("%(count)s of %(capacity)s people"), {
          count: formatNumber(live.count),
          capacity: formatNumber(live.capacity),
        })
      : interpolate(gettext("%(count)s people"), { count: formatNumber(live.count) });
    box.append(element("p", { text: count }));
  }
  if (live.note) box.append(element("p", { className: "popup-live-note", text: live.note, lang: "ja" }));
  if (live.updated_at) {
    const when = new Date(live.updated_at).toLocaleString(document.documentElement.lang || "ja");
    box.append(element("p", { className: "popup-live-time", text: interpolate(gettext("Updated %(when)s"), { when }) }));
  }
  return box;
}

function noReport() {
  const box = element("div", { className: "popup-live live-none" });
  box.append(element("p", { className: "popup-live-status", text: gettext("No opening report") }));
  return box;
}

/**
 * The popup of one feature: layer, name, kana, address, municipality and the kind's fields.
 * `entry` is the feature's catalogue layer; `municipalityName(code, ward)` gives a {ja, en} pair.
 */
export function featureDetails(feature, entry, municipalityName, live = null) {
  const p = feature.properties ?? {};
  const root = element("article", { className: "popup" });
  root.append(element("p", { className: "popup-layer", text: label(entry.name) }));

  const title = element("h3", { className: "popup-title", text: p.name || gettext("(no name)") });
  if (p.name) title.lang = "ja";
  title.tabIndex = -1;
  root.append(title);
  if (p.name_kana) root.append(element("p", { className: "popup-kana", text: p.name_kana, lang: "ja" }));
  // An English page gives the name in Latin letters too (from the file, or read from the Japanese).
  if (lang === "en" && p.name_en && p.name_en !== p.name) {
    root.append(element("p", { className: "popup-name-en", text: p.name_en, lang: "en" }));
  }
  // Only what staff have reported: no record is not the same as "not open".
  if (entry.live_status) root.append(live ? liveStatus(live) : noReport());

  const list = element("dl", { className: "popup-fields" });
  const row = (term, node) => {
    const dd = element("dd");
    dd.append(node);
    list.append(element("dt", { text: term }), dd);
  };
  if (p.address) row(gettext("Address"), element("span", { text: p.address, lang: "ja" }));
  const municipality = municipalityName(p.municipality, p.ward);
  if (municipality) row(gettext("Municipality"), document.createTextNode(label(municipality)));
  for (const field of entry.fields) {
    const value = p[field.name];
    if (!isEmpty(value)) row(label(field.label), valueNode(formatValue(field, value)));
  }
  root.append(list);
  const credit = entry.credit && creditNode(entry.credit);
  if (credit) root.append(credit);
  return root;
}
