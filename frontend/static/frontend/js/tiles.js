/**
 * Vector tiles on Leaflet: a canvas grid layer that decodes each MVT tile (mvt.js), paints it with a
 * caller's function and keeps the decoded features for hit tests and the list (areas, the municipal
 * outlines); and a canvas grid of cluster tiles whose circles are drawn whole across tile edges.
 */

import { decodeTile } from "./mvt.js";

const L = globalThis.L;

/**
 * `template` ({z}/{x}/{y} and a query) with extra query parameters (the layer's filters). A grid of 512 px
 * tiles asks for the standard 256 px tile one zoom up, which covers the same ground (`zoomOffset` -1).
 */
export function tileUrl(template, coords, extra, zoomOffset = 0) {
  const url = new URL(L.Util.template(template, { x: coords.x, y: coords.y, z: coords.z + zoomOffset }), document.baseURI);
  for (const [name, value] of extra ?? []) url.searchParams.set(name, value);
  return url.href;
}

async function fetchTile(url, signal) {
  const response = await fetch(url, { signal });
  if (response.status === 204) return null;
  if (!response.ok) throw new Error(`${new URL(url).pathname}: HTTP ${response.status}`);
  return decodeTile(await response.arrayBuffer());
}

/**
 * Low zooms in 512 px tiles: a phone's view takes 4 to 6 of them instead of 12 to 15 (a browser sends only
 * six requests at a time to one server over HTTP/1.1, and each waits a round trip on a slow network).
 */
export const BIG_TILES = { tileSize: 512, zoomOffset: -1 };

/** Tile pixel → lat/lng, for a point `[x, y]` in a tile's own units. */
function tilePointToLatLng(map, coords, extent, [x, y], size) {
  const point = L.point((coords.x + x / extent) * size, (coords.y + y / extent) * size);
  return map.unproject(point, coords.z);
}

function insideRings(rings, x, y) {
  // Even-odd over every ring: holes and multipolygons alike.
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/**
 * Areas from vector tiles, painted on canvas. `paint(context, feature, scale)` draws one feature with
 * the context already scaled to tile units; `keep(properties)` says whether a feature is shown (filters).
 */
const makeAreaTiles = () => L.GridLayer.extend({
  options: { url: "", name: "", paint: null, keep: () => true, zoomOffset: 0, updateWhenZooming: false, keepBuffer: 1 },

  initialize(options) {
    L.GridLayer.prototype.initialize.call(this, options);
    this.decoded = new Map(); // tile key → {coords, layer}
    this.on("tileunload", ({ coords }) => this.decoded.delete(this._tileCoordsToKey(coords)));
  },

  createTile(coords, done) {
    const canvas = L.DomUtil.create("canvas", "leaflet-tile");
    const size = this.getTileSize();
    // Filled areas look the same at one pixel per CSS pixel, at a quarter of the painting on a 2× phone.
    canvas.width = size.x;
    canvas.height = size.y;
    const key = this._tileCoordsToKey(coords);
    fetchTile(tileUrl(this.options.url, coords, null, this.options.zoomOffset))
      .then((layers) => {
        const layer = layers?.[this.options.name] ?? null;
        this.decoded.set(key, { coords, layer });
        this.paintTile(canvas, layer);
        done(null, canvas);
      })
      .catch((error) => done(error, canvas));
    return canvas;
  },

  paintTile(canvas, layer) {
    const context = canvas.getContext("2d");
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
    if (!layer) return;
    const scale = canvas.width / layer.extent;
    context.setTransform(scale, 0, 0, scale, 0, 0);
    for (const feature of layer.features) {
      if (this.options.keep(feature.properties)) this.options.paint(context, feature, scale);
    }
  },

  /** Paints every loaded tile again (the filters changed), without fetching. */
  repaint() {
    for (const [key, tile] of Object.entries(this._tiles ?? {})) {
      const decoded = this.decoded.get(key);
      if (decoded) this.paintTile(tile.el, decoded.layer);
    }
  },

  /** The shown features under `latlng`, topmost first. */
  featuresAt(latlng) {
    const map = this._map;
    const z = this._tileZoom;
    if (!map || z === undefined) return [];
    const point = map.project(latlng, z);
    const size = this.getTileSize().x;
    const coords = L.point(Math.floor(point.x / size), Math.floor(point.y / size));
    const decoded = this.decoded.get(`${coords.x}:${coords.y}:${z}`);
    if (!decoded?.layer) return [];
    const { extent } = decoded.layer;
    const x = ((point.x - coords.x * size) / size) * extent;
    const y = ((point.y - coords.y * size) / size) * extent;
    return decoded.layer.features
      .filter((f) => f.type === 3 && this.options.keep(f.properties) && insideRings(f.geometry, x, y))
      .reverse();
  },

  /**
   * The shown features of the loaded tiles that lie in `bounds`, once each by id, with the box of all
   * their pieces. Tiles of every zoom still loaded count, so the list is whole while a new zoom loads.
   */
  featuresIn(bounds) {
    const map = this._map;
    const found = new Map();
    if (!map) return [];
    const size = this.getTileSize().x;
    for (const { coords, layer } of this.decoded.values()) {
      if (!layer) continue;
      for (const feature of layer.features) {
        if (!this.options.keep(feature.properties)) continue;
        let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
        // Every ring: a multipolygon's first one may be a small island of it.
        for (const ring of feature.geometry) {
          for (const [x, y] of ring) {
            minX = Math.min(minX, x);
            minY = Math.min(minY, y);
            maxX = Math.max(maxX, x);
            maxY = Math.max(maxY, y);
          }
        }
        if (minX === Infinity) continue;
        const box = L.latLngBounds(
          tilePointToLatLng(map, coords, layer.extent, [minX, maxY], size),
          tilePointToLatLng(map, coords, layer.extent, [maxX, minY], size),
        );
        const seen = found.get(feature.id);
        if (seen) seen.bounds.extend(box);
        else found.set(feature.id, { feature, bounds: box });
      }
    }
    return [...found.values()]
      .filter(({ bounds: box }) => bounds.intersects(box))
      .map((entry) => ({ ...entry, latlng: entry.bounds.getCenter() }));
  },
});

/**
 * A point layer's clusters (the server's cluster tiles: one point per grid cell with its `count`) as
 * light DOM markers made by `marker(latlng, count)`, never clipped at a tile's edge. Not canvases: a
 * phone's browser copies every changed canvas to its compositor on each frame, and cluster canvases at
 * the screen's pixel ratio made zoom steps take a second on a slow phone; forty small markers cost
 * nearly nothing. The grid's own tiles are empty placeholders.
 */
const makeClusterTiles = () => L.GridLayer.extend({
  options: { url: "", name: "", query: null, marker: null, zoomOffset: 0, updateWhenZooming: false, keepBuffer: 1 },

  initialize(options) {
    L.GridLayer.prototype.initialize.call(this, options);
    this.markers = L.layerGroup();
    this.byTile = new Map(); // tile key → its markers
    this.on("tileunload", ({ coords }) => {
      const key = this._tileCoordsToKey(coords);
      for (const marker of this.byTile.get(key) ?? []) this.markers.removeLayer(marker);
      this.byTile.delete(key);
    });
  },

  onAdd(map) {
    L.GridLayer.prototype.onAdd.call(this, map);
    this.markers.addTo(map);
  },

  onRemove(map) {
    L.GridLayer.prototype.onRemove.call(this, map);
    map.removeLayer(this.markers);
    this.markers.clearLayers();
    this.byTile.clear();
  },

  createTile(coords, done) {
    const tile = document.createElement("div");
    const key = this._tileCoordsToKey(coords);
    const size = this.getTileSize();
    fetchTile(tileUrl(this.options.url, coords, this.options.query, this.options.zoomOffset))
      .then((layers) => {
        const layer = layers?.[this.options.name];
        const markers = [];
        for (const feature of layer?.features ?? []) {
          const latlng = tilePointToLatLng(this._map, coords, layer.extent, feature.geometry[0][0], size.x);
          const marker = this.options.marker(latlng, feature.properties.count ?? 1);
          marker.count = feature.properties.count ?? 1;
          marker.zoom = coords.z;
          markers.push(marker);
        }
        // The tile may have gone while its data was on the way.
        if (this._tiles?.[key]) {
          this.byTile.set(key, markers);
          for (const marker of markers) this.markers.addLayer(marker);
        }
        done(null, tile);
      })
      .catch((error) => done(error, tile));
    return tile;
  },

  /** The clusters of the zoom shown now: {latlng, count}. */
  *shown() {
    for (const marker of this.markers.getLayers()) {
      if (marker.zoom === this._tileZoom) yield { latlng: marker.getLatLng(), count: marker.count };
    }
  },

  /** How many clusters the shown zoom's tiles hold. */
  clusterCount() {
    let n = 0;
    for (const _ of this.shown()) n += 1;
    return n;
  },

  /** Places in the clusters that lie in `bounds`. */
  countIn(bounds) {
    let count = 0;
    for (const cluster of this.shown()) if (bounds.contains(cluster.latlng)) count += cluster.count;
    return count;
  },
});

// The classes are made on first use, so this module loads before Leaflet (or without it, in a test).
let AreaTilesClass = null;
let ClusterTilesClass = null;

export function areaTiles(options) {
  AreaTilesClass ??= makeAreaTiles();
  return new AreaTilesClass(options);
}

export function clusterTiles(options) {
  ClusterTilesClass ??= makeClusterTiles();
  return new ClusterTilesClass(options);
}
