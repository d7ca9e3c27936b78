// Fortress maps: the workspace's basemap (vector tiles served by Fortress) with a page's
// overlays. Every map is a <div class="map" data-map="..."> whose data-* attributes name
// the GeoJSON it draws; the legend, the credit and the controls are HTML beside it.
import * as maplibregl from "/static/vendor/maplibre-gl.mjs";

const HOT_CELL_COLOURS = ["match", ["get", "change"],
  "persistent", "#b2182b", "emerging", "#ef8a62", "fading", "#67a9cf", "#999999"];

async function geojson(url) {
  const answer = await fetch(url, { credentials: "same-origin" });
  if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
  return answer.json();
}

function bounds(collection) {
  const box = new maplibregl.LngLatBounds();
  for (const feature of collection.features) {
    const depth = { Point: 0, LineString: 1, Polygon: 2, MultiPolygon: 3 }[feature.geometry.type];
    const coords = depth === 0 ? [feature.geometry.coordinates]
      : feature.geometry.coordinates.flat(depth - 1);
    for (const c of coords) box.extend(c);
  }
  return box;
}

function newMap(container) {
  const map = new maplibregl.Map({
    container, style: "/app/map/style.json", attributionControl: { compact: false },
    center: [-1.13, 50.79], zoom: 12, preserveDrawingBuffer: true,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }));
  return map;
}

async function placesMap(container) {
  const [points, cells] = await Promise.all([
    geojson(container.dataset.points),
    container.dataset.hotcells ? geojson(container.dataset.hotcells) : null,
  ]);
  const map = newMap(container);
  const slider = document.getElementById(container.dataset.slider);
  const shown = document.getElementById(container.dataset.month);
  const months = points.months;
  const radius = (month) => ["interpolate", ["linear"], ["coalesce", ["get", month], 0],
    0, 0, 1, 3, 10, 9, 40, 18];
  map.on("load", () => {
    if (cells) {
      map.addSource("hot-cells", { type: "geojson", data: cells });
      map.addLayer({ id: "hot-cells", type: "fill", source: "hot-cells",
        paint: { "fill-color": HOT_CELL_COLOURS, "fill-opacity": 0.45 } });
    }
    map.addSource("points", { type: "geojson", data: points });
    map.addLayer({ id: "area-outline", type: "line", source: "points",
      filter: ["==", ["get", "kind"], "area"],
      paint: { "line-color": "#222222", "line-width": 2, "line-dasharray": [4, 2] } });
    const month = months[months.length - 1];
    map.addLayer({ id: "crimes", type: "circle", source: "points",
      filter: ["==", ["get", "kind"], "point"],
      paint: { "circle-radius": radius(month), "circle-color": "#5e3c99",
               "circle-opacity": 0.7, "circle-stroke-color": "#ffffff", "circle-stroke-width": 0.5 } });
    map.addLayer({ id: "street-points", type: "symbol", source: "points", minzoom: 16,
      filter: ["==", ["get", "kind"], "point"],
      layout: { "text-field": ["get", "street"], "text-font": ["Noto Sans Regular"], "text-size": 10,
                "text-offset": [0, 1.1], "text-optional": true },
      paint: { "text-color": "#444444", "text-halo-color": "#ffffff", "text-halo-width": 1.5 } });
    map.addLayer({ id: "lsoa-names", type: "symbol", source: "points",
      filter: ["==", ["get", "kind"], "lsoa"],
      layout: { "text-field": ["get", "name"], "text-font": ["Noto Sans Bold"], "text-size": 12 },
      paint: { "text-color": "#222222", "text-halo-color": "#ffffff", "text-halo-width": 2 } });
    map.fitBounds(bounds(points), { padding: 30, duration: 0 });
    if (slider) {
      slider.max = String(months.length - 1);
      slider.value = slider.max;
      slider.disabled = false;
      const show = () => {
        const chosen = months[Number(slider.value)];
        shown.textContent = chosen;
        map.setPaintProperty("crimes", "circle-radius", radius(chosen));
      };
      slider.addEventListener("input", show);
      show();
    }
    container.dataset.ready = "true";
  });
  map.on("error", (event) => { container.dataset.error = String(event.error && event.error.message); });
}

async function cellsMap(container) {
  const cells = await geojson(container.dataset.cells);
  const map = newMap(container);
  const kind = (name) => ["==", ["get", "kind"], name];
  map.on("load", () => {
    map.addSource("cells", { type: "geojson", data: cells });
    map.addLayer({ id: "sectors", type: "fill", source: "cells", filter: kind("sector"),
      paint: { "fill-color": "#1b9e77", "fill-opacity": 0.35, "fill-outline-color": "#0d5e46" } });
    map.addLayer({ id: "customers", type: "circle", source: "cells", filter: kind("customers"),
      paint: { "circle-radius": ["interpolate", ["linear"], ["get", "customers"], 1, 4, 50, 14],
               "circle-color": "#7570b3", "circle-opacity": 0.6 } });
    map.addLayer({ id: "sites", type: "circle", source: "cells", filter: kind("site"),
      paint: { "circle-radius": ["interpolate", ["linear"], ["get", "events"], 1, 4, 1000, 12],
               "circle-color": "#d95f02", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1 } });
    map.addLayer({ id: "site-names", type: "symbol", source: "cells", filter: kind("site"), minzoom: 13,
      layout: { "text-field": ["get", "cell_id"], "text-font": ["Noto Sans Regular"],
                "text-size": 11, "text-offset": [0, 1.2] },
      paint: { "text-color": "#333333", "text-halo-color": "#ffffff", "text-halo-width": 1.5 } });
    if (cells.features.length) map.fitBounds(bounds(cells), { padding: 40, duration: 0, maxZoom: 15 });
    container.dataset.ready = "true";
  });
  map.on("error", (event) => { container.dataset.error = String(event.error && event.error.message); });
}

const KINDS = { places: placesMap, cells: cellsMap };
for (const container of document.querySelectorAll("div.map[data-map]")) {
  KINDS[container.dataset.map](container).catch((error) => {
    container.dataset.error = String(error);
    container.textContent = `The map could not be drawn: ${error}`;
  });
}
