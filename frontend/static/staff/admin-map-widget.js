/*
 * The admin's map widget without inline script: each widget's options are a JSON data block (the
 * template admin/map_widget.html), read here to build Django's MapWidget with the map's base map.
 */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const block of document.querySelectorAll(".dj_map_wrapper > script[type='application/json']")) {
    const options = JSON.parse(block.textContent);
    options.base_layer = new ol.layer.Tile({
      source: new ol.source.XYZ({ url: options.basemap_url, attributions: options.basemap_attribution }),
    });
    window[options.module] = new MapWidget(options);
  }
});
