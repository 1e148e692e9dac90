/**
 * The map's state in its address, so a link restores it: `at=lat,lon,zoom`, `layers=a,b`, each layer's
 * filters as `<slug>.<parameter>=v1,v2`, `open=1` for open shelters only and `place=<slug>/<id>` for the
 * place whose popup is open. The embeddable view also takes `municipality=<code>`, and the map
 * `report=lat,lon` (from the report page) to show that point's hazard report in its panel.
 */

export function readState(search) {
  const params = new URLSearchParams(search);
  const state = { at: null, layers: null, filters: new Map(), openOnly: params.get("open") === "1", place: null, report: null };
  const at = params.get("at")?.split(",").map(Number);
  if (at?.length === 3 && at.every(Number.isFinite)) state.at = { lat: at[0], lng: at[1], zoom: at[2] };
  if (params.has("layers")) state.layers = params.get("layers").split(",").filter(Boolean);
  const report = params.get("report")?.split(",").map(Number);
  if (report?.length === 2 && report.every(Number.isFinite)) state.report = { lat: report[0], lng: report[1] };
  const place = params.get("place")?.match(/^([-\w]+)\/(\d+)$/);
  if (place) state.place = { layer: place[1], id: Number(place[2]) };
  state.municipality = params.get("municipality")?.match(/^\d{5,6}$/)?.[0] ?? null;
  for (const [name, value] of params) {
    const dot = name.indexOf(".");
    if (dot < 1) continue;
    const slug = name.slice(0, dot);
    if (!state.filters.has(slug)) state.filters.set(slug, new URLSearchParams());
    state.filters.get(slug).set(name.slice(dot + 1), value);
  }
  return state;
}

/** The address of a state: {at, layers, filters: Map(slug → URLSearchParams), openOnly, place, report}. */
export function stateSearch({ at, layers, filters, openOnly, place, report }) {
  const params = new URLSearchParams();
  if (at) params.set("at", `${at.lat.toFixed(5)},${at.lng.toFixed(5)},${at.zoom}`);
  if (layers) params.set("layers", layers.join(","));
  for (const [slug, values] of filters ?? []) for (const [name, value] of values) params.set(`${slug}.${name}`, value);
  if (openOnly) params.set("open", "1");
  if (place) params.set("place", `${place.layer}/${place.id}`);
  if (report) params.set("report", `${report.lat.toFixed(5)},${report.lng.toFixed(5)}`);
  // Commas and slashes stay readable in a shared link.
  return `?${params.toString().replace(/%2C/g, ",").replace(/%2F/g, "/")}`;
}
