/**
 * Filters built from the catalogue: for every chosen layer, its filterable fields with a code list, free
 * tags or yes/no, offering only the values its data holds (the catalogue's `filter_values`, with how many
 * places have each). What is ticked becomes the features endpoint's parameters (from the catalogue's
 * `parameters`) for the server's requests, and a test of a tile feature's properties for the areas drawn
 * from tiles (only fields the tiles carry are offered there).
 */

import { formatNumber, gettext, interpolate, label } from "./i18n.js";

// Free tags (a clinic's departments) can be many: the most common ones are offered.
const MAX_TAGS = 40;

/** The fields of a layer the map can filter on. */
export function filterableFields(entry) {
  const drawnFromTiles = !entry.geometry_types.includes("Point");
  return entry.fields.filter(
    (f) =>
      f.filterable &&
      (f.codes?.length || f.type === "boolean" || f.type === "tags") &&
      (!drawnFromTiles || entry.tile_properties.includes(f.name)),
  );
}

/** A field's choices that the data holds: [{value, label, count}], the code list's order kept. */
export function offeredChoices(entry, field) {
  const counts = new Map((entry.filter_values?.[field.name] ?? []).map((v) => [String(v.value), v.count]));
  // An older catalogue without the counts: every code, as before.
  const known = (value) => (entry.filter_values ? counts.get(String(value)) ?? 0 : null);
  if (field.type === "boolean") {
    const count = known("true");
    return count === 0 ? [] : [{ value: "true", label: gettext("Yes"), count }];
  }
  if (field.type === "tags") {
    return [...counts]
      .slice(0, MAX_TAGS)
      .map(([value, count]) => ({ value, label: value, count, lang: "ja" }));
  }
  return field.codes
    .map((code) => ({ value: String(code.value), label: label(code.label), count: known(code.value) }))
    .filter((choice) => choice.count !== 0);
}

const parameterOf = (field) => field.parameters?.[0] ?? field.name;

/** {field name: Set of values} → the endpoint's parameters (values of one field joined by commas). */
export function filterParams(entry, chosen) {
  const params = new URLSearchParams();
  for (const field of filterableFields(entry)) {
    const values = chosen.get(field.name);
    if (values?.size) params.set(parameterOf(field), [...values].join(","));
  }
  return params;
}

/** The endpoint's parameters back to {field name: Set of values} (for a permalink). */
export function chosenFromParams(entry, params) {
  const chosen = new Map();
  for (const field of filterableFields(entry)) {
    const value = params.get(parameterOf(field));
    if (value) chosen.set(field.name, new Set(value.split(",")));
  }
  return chosen;
}

/** The same filters as a test of a tile feature's properties (lists come as `a,b` in tiles). */
export function keepFor(entry, chosen) {
  const active = filterableFields(entry).filter((f) => chosen.get(f.name)?.size);
  if (!active.length) return () => true;
  return (properties) =>
    active.every((field) => {
      const value = properties?.[field.name];
      if (value == null) return false;
      const values = field.type === "boolean" ? [String(value)] : String(value).split(",");
      return values.some((v) => chosen.get(field.name).has(v));
    });
}

function checkbox(id, text, checked, onChange, { count = null, lang = null } = {}) {
  const row = document.createElement("div");
  row.className = "layer-choice";
  const input = document.createElement("input");
  input.type = "checkbox";
  input.id = id;
  input.checked = checked;
  input.addEventListener("change", () => onChange(input.checked));
  const labelElement = document.createElement("label");
  labelElement.htmlFor = id;
  labelElement.textContent = text;
  if (lang) labelElement.lang = lang;
  row.append(input, labelElement);
  if (count !== null) {
    // Beside the label, not in it: the box is named by its value, the count describes it.
    const number = document.createElement("span");
    number.className = "filter-count";
    number.id = `${id}-count`;
    number.textContent = interpolate(gettext("%(count)s places"), { count: formatNumber(count) });
    input.setAttribute("aria-describedby", number.id);
    row.append(number);
  }
  return row;
}

/**
 * Draws the filters of `layers` into `container`; `state` is {slug: Map(field → Set)}, changed in
 * place; `onChange(layer)` is called after a box is ticked or cleared.
 */
export function renderFilters(container, layers, state, onChange) {
  const groups = [];
  for (const layer of layers) {
    const fields = filterableFields(layer.entry)
      .map((field) => ({ field, choices: offeredChoices(layer.entry, field) }))
      .filter(({ choices }) => choices.length);
    if (!fields.length) continue;
    const chosen = state.get(layer.slug) ?? new Map();
    state.set(layer.slug, chosen);
    const group = document.createElement("details");
    group.className = "filter-layer";
    group.dataset.layer = layer.slug;
    group.open = [...chosen.values()].some((values) => values.size);
    const summary = document.createElement("summary");
    summary.textContent = label(layer.entry.name);
    group.append(summary);
    for (const { field, choices } of fields) {
      const fieldset = document.createElement("fieldset");
      fieldset.className = "filter-field";
      const legend = document.createElement("legend");
      legend.textContent = label(field.label);
      fieldset.append(legend);
      choices.forEach((choice, index) => {
        // Codes are ASCII; a free tag may hold spaces, so it goes by its place in the list.
        const id = `filter-${layer.slug}-${field.name}-${field.type === "tags" ? index : choice.value}`;
        const values = chosen.get(field.name) ?? new Set();
        fieldset.append(
          checkbox(
            id,
            choice.label,
            values.has(choice.value),
            (on) => {
              const set = chosen.get(field.name) ?? new Set();
              if (on) set.add(choice.value);
              else set.delete(choice.value);
              chosen.set(field.name, set);
              onChange(layer);
            },
            { count: choice.count, lang: choice.lang },
          ),
        );
      });
      group.append(fieldset);
    }
    groups.push(group);
  }
  const existing = container.querySelectorAll(".filter-layer");
  for (const node of existing) node.remove();
  container.append(...groups);
}
