// A run's page: while the worker imports, poll its status and move the progress bar; when it has
// finished, reload to show the report. With a report, draw the preview of what publishing changes.
const ACTIVE = new Set(["queued", "running"]);
const COLOURS = { new: "#1b7f3b", changed: "#b35c00", removed: "#b00020" };

function readConfig(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

async function poll(config) {
  const bar = document.getElementById("rows-bar");
  const count = document.getElementById("rows-count");
  const total = document.getElementById("rows-total");
  const state = document.getElementById("run-state");
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, config.interval_ms));
    let run;
    try {
      const response = await fetch(config.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) continue;
      run = await response.json();
    } catch {
      continue; // the connection dropped for a moment: try again
    }
    const rows = run.progress?.rows ?? 0;
    count.textContent = rows.toLocaleString();
    if (run.progress?.total) {
      bar.max = run.progress.total;
      bar.value = Math.min(rows, run.progress.total);
      total.textContent = `/ ${run.progress.total.toLocaleString()}`;
    }
    state.textContent = config.texts[run.status] || config.texts.done;
    if (!ACTIVE.has(run.status)) {
      window.location.reload();
      return;
    }
  }
}

async function drawPreview(config) {
  const L = window.L;
  const element = document.getElementById("preview-map");
  if (!L || !element) return;
  const map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(config.basemap, { attribution: config.attribution, maxZoom: 18 }).addTo(map);
  const response = await fetch(config.url, { credentials: "same-origin" });
  const collection = await response.json();
  const layer = L.geoJSON(collection, {
    pointToLayer: (feature, latlng) =>
      L.circleMarker(latlng, { radius: 6, weight: 2, color: COLOURS[feature.properties.change], fillOpacity: 0.6 }),
    style: (feature) => ({ color: COLOURS[feature.properties.change], weight: 2 }),
    onEachFeature: (feature, shape) => {
      const label = document.createElement("span");
      label.textContent = `${config.labels[feature.properties.change]}: ${feature.properties.name || feature.properties.source_id}`;
      shape.bindTooltip(label);
    },
  }).addTo(map);
  element.dataset.features = String(collection.features.length);
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  else map.setView([34.69, 135.5], 10);
}

const runConfig = readConfig("run-config");
if (runConfig) poll(runConfig);
const previewConfig = readConfig("preview-config");
if (previewConfig) {
  if (window.L) drawPreview(previewConfig);
  else window.addEventListener("load", () => drawPreview(previewConfig));
}
