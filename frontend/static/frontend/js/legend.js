/** The legend and the cautions of the chosen layers; every text comes from the catalogue. */

import { gettext, label } from "./i18n.js";
import { congestionLabel, congestionValues, statusLabel } from "./status-feed.js";
import { CLOSED_COLOUR, congestionShare } from "./styles.js";
import { isJapanese } from "./map.js";

function swatch(colour, shape) {
  const span = document.createElement("span");
  span.className = `swatch swatch-${shape}`;
  span.setAttribute("aria-hidden", "true");
  span.style.setProperty("--swatch", colour);
  return span;
}

function item(colour, shape, text) {
  const li = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = text;
  li.append(swatch(colour, shape), name);
  return li;
}

function fieldOf(entry, name) {
  return entry.fields.find((f) => f.name === name);
}

/** A legend group per fill rule: its title from the field's labels, a row per coloured code. */
function ruleGroup(entry, rule) {
  const field = fieldOf(entry, rule.field);
  if (!field?.codes) return null;
  const rows = field.codes.filter((code) => rule.colours[code.value]);
  if (!rows.length) return null;

  const group = document.createElement("li");
  group.className = "legend-rule";
  const title = document.createElement("span");
  title.className = "legend-rule-title";
  const contextField = rule.context && fieldOf(entry, rule.context.field);
  const contextCode = contextField?.codes?.find((c) => c.value === rule.context.value);
  title.textContent = [contextCode && label(contextCode.label), label(field.label)].filter(Boolean).join(" — ");
  const list = document.createElement("ul");
  for (const code of rows) list.append(item(rule.colours[code.value], "area", label(code.label)));
  group.append(title, list);
  return group;
}

function openSymbol(congestion) {
  const span = document.createElement("span");
  span.className = "open-shelter";
  span.setAttribute("aria-hidden", "true");
  span.style.setProperty("--fill", `${Math.round(congestionShare(congestion) * 100)}%`);
  return span;
}

/** Under a layer with live status: open shelters by how full (the square's fill), closed, and no report. */
function liveGroup(style) {
  const group = document.createElement("li");
  group.className = "legend-rule";
  const title = document.createElement("span");
  title.className = "legend-rule-title";
  title.textContent = gettext("Open now, by how full");
  const list = document.createElement("ul");
  for (const congestion of congestionValues()) {
    const row = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = congestionLabel(congestion);
    row.append(openSymbol(congestion), name);
    list.append(row);
  }
  list.append(item(CLOSED_COLOUR, "point", statusLabel("closed")));
  list.append(item(style.colour, "point", gettext("No opening report")));
  group.append(title, list);
  return group;
}

function layerRow(layer) {
  const { entry, style } = layer;
  if (layer.hasLiveStatus) {
    const row = document.createElement("li");
    row.className = "legend-layer-with-rules";
    const name = document.createElement("span");
    name.className = "legend-layer-name";
    const text = document.createElement("span");
    text.textContent = label(entry.name);
    name.append(swatch(style.colour, "point"), text);
    const rules = document.createElement("ul");
    rules.append(liveGroup(style));
    row.append(name, rules);
    return row;
  }
  if (!style.fillBy.length) return item(style.colour, layer.drawsPoints ? "point" : "area", label(entry.name));
  const row = document.createElement("li");
  row.className = "legend-layer-with-rules";
  const name = document.createElement("span");
  name.textContent = label(entry.name);
  const rules = document.createElement("ul");
  rules.append(...style.fillBy.map((rule) => ruleGroup(entry, rule)).filter(Boolean));
  row.append(name, rules);
  return row;
}

export function renderLegend(container, layers) {
  if (!layers.length) {
    const empty = document.createElement("p");
    empty.textContent = gettext("No layer is shown.");
    container.replaceChildren(empty);
    return;
  }
  const list = document.createElement("ul");
  list.className = "legend-list";
  list.append(...layers.map(layerRow));
  container.replaceChildren(list);
}

/**
 * A caution for each chosen layer whose kind calls for one (the fictional sample hazard data): one line,
 * its layer and description, that opens to the whole text and the attribution.
 */
export function renderNotices(container, layers) {
  const notices = layers
    .filter((layer) => layer.style.notice)
    .map(({ entry }) => {
      const notice = document.createElement("details");
      notice.className = "notice";
      notice.dataset.layer = entry.slug;
      const summary = document.createElement("summary");
      const icon = document.createElement("span");
      icon.className = "notice-icon";
      icon.setAttribute("aria-hidden", "true");
      icon.textContent = "!";
      const line = document.createElement("span");
      line.className = "notice-line";
      const title = document.createElement("strong");
      title.textContent = `${label(entry.name)}: `;
      line.append(title, label(entry.description));
      summary.append(icon, line);
      notice.append(summary);
      if (entry.attribution) {
        const body = document.createElement("div");
        body.className = "notice-body";
        const source = document.createElement("p");
        source.className = "notice-source";
        const value = document.createElement("span");
        value.textContent = entry.attribution;
        if (isJapanese(entry.attribution)) value.lang = "ja";
        source.append(`${gettext("Source:")} `, value);
        body.append(source);
        notice.append(body);
      }
      return notice;
    });
  container.replaceChildren(...notices);
}
