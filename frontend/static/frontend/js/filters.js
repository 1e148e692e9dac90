/**
 * Filters built from the catalogue: for every chosen layer, its filterable fields with a code list
 * (a box per code) or yes/no. What is ticked becomes the features endpoint's parameters (from the
 * catalogue's `parameters`) for the server's requests, and a test of a tile feature's properties for
 * the areas drawn from tiles (only fields the tiles carry are offered there).
 */

import { gettext, label } from "./i18n.js";

/** The fields of a layer the map can filter on. */
export function filterableFields(entry) {
  const drawnFromTiles = !entry.geometry_types.includes("Point");
  return entry.fields.filter(
    (f) =>
      f.filterable &&
      (f.codes?.length || f.type === "boolean") &&
      (!drawnFromTiles || entry.tile_properties.includes(f.name)),
  );
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

function checkbox(id, text, checked, onChange) {
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
  row.append(input, labelElement);
  return row;
}

/**
 * Draws the filters of `layers` into `container`; `state` is {slug: Map(field → Set)}, changed in
 * place; `onChange(layer)` is called after a box is ticked or cleared.
 */
export function renderFilters(container, layers, state, onChange) {
  const groups = [];
  for (const layer of layers) {
    const fields = filterableFields(layer.entry);
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
    for (const field of fields) {
      const fieldset = document.createElement("fieldset");
      fieldset.className = "filter-field";
      const legend = document.createElement("legend");
      legend.textContent = label(field.label);
      fieldset.append(legend);
      const options = field.type === "boolean" ? [{ value: "true", label: gettext("Yes") }] : field.codes;
      for (const code of options) {
        const id = `filter-${layer.slug}-${field.name}-${code.value}`;
        const values = chosen.get(field.name) ?? new Set();
        fieldset.append(
          checkbox(id, label(code.label), values.has(String(code.value)), (on) => {
            const set = chosen.get(field.name) ?? new Set();
            if (on) set.add(String(code.value));
            else set.delete(String(code.value));
            chosen.set(field.name, set);
            onChange(layer);
          }),
        );
      }
      group.append(fieldset);
    }
    groups.push(group);
  }
  const existing = container.querySelectorAll(".filter-layer");
  for (const node of existing) node.remove();
  container.append(...groups);
}
