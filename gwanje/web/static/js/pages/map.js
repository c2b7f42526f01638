// The map: cameras on the site plan image, or placed by latitude and longitude on a grid; a
// marker shows the camera's health and open events, and opens its live view.
import { api } from "../api.js";
import { $, svgEl } from "../dom.js";
import { viewLive } from "../live.js";
import { OPEN, state } from "../state.js";

export async function renderMap() {
  const m = await api("/api/map");
  const openBy = {};
  for (const e of state.events.values()) if (OPEN.has(e.status)) openBy[e.camera_id] = (openBy[e.camera_id] || 0) + 1;
  const box = $("#map");
  const W = 900, H = 560;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "map-svg" });
  let place;
  if (m.plan_image) {
    svg.appendChild(svgEl("image", { href: m.plan_image, x: 0, y: 0, width: W, height: H, preserveAspectRatio: "xMidYMid meet" }));
    const pts = m.cameras.filter((c) => c.location.plan_x != null);
    const mx = Math.max(1, ...pts.map((c) => c.location.plan_x)), my = Math.max(1, ...pts.map((c) => c.location.plan_y));
    const k = Math.min(W / mx, H / my) * 0.95;
    place = (c) => (c.location.plan_x == null ? null : [c.location.plan_x * k, c.location.plan_y * k]);
  } else {
    const pts = m.cameras.filter((c) => c.location.lat != null);
    const lats = pts.map((c) => c.location.lat), lons = pts.map((c) => c.location.lon);
    const [la0, la1, lo0, lo1] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
    const kx = Math.cos(((la0 + la1) / 2) * Math.PI / 180);
    const span = Math.max((lo1 - lo0) * kx, la1 - la0, 0.002);
    const s = Math.min(W, H) * 0.8 / span;
    for (let g = 0; g <= 10; g++) {
      svg.appendChild(svgEl("line", { x1: (g * W) / 10, x2: (g * W) / 10, y1: 0, y2: H, class: "gridline" }));
      svg.appendChild(svgEl("line", { y1: (g * H) / 10, y2: (g * H) / 10, x1: 0, x2: W, class: "gridline" }));
    }
    place = (c) => (c.location.lat == null ? null
      : [W / 2 + (c.location.lon - (lo0 + lo1) / 2) * kx * s, H / 2 - (c.location.lat - (la0 + la1) / 2) * s]);
    svg.appendChild(svgEl("text", { x: 8, y: H - 8, class: "axis" }, `${la0.toFixed(4)}–${la1.toFixed(4)} N, ${lo0.toFixed(4)}–${lo1.toFixed(4)} E`));
  }
  for (const c of m.cameras) {
    const p = place(c);
    if (!p) continue;
    const g = svgEl("g", { class: `marker ${c.status}${openBy[c.id] ? " alarm" : ""}`, transform: `translate(${p[0]},${p[1]})`, "data-camera": c.id });
    g.appendChild(svgEl("circle", { r: 11 }));
    if (openBy[c.id]) g.appendChild(svgEl("text", { y: 4, "text-anchor": "middle", class: "count" }, openBy[c.id]));
    g.appendChild(svgEl("text", { x: 15, y: 4, class: "label" }, `${c.id} ${c.name}`));
    g.addEventListener("click", () => viewLive(state.cameras.find((x) => x.id === c.id) || c));
    svg.appendChild(g);
  }
  box.replaceChildren(svg);
}
