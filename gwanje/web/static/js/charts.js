// Small SVG charts drawn here (no chart library, nothing from a CDN).
import { svgEl } from "./dom.js";

const PALETTE = ["#ff6b6b", "#4dabf7", "#ffd43b", "#69db7c", "#da77f2", "#ff922b", "#3bc9db", "#f783ac", "#a9e34b", "#91a7ff", "#e599f7", "#63e6be"];
// bright on the dark panel, neighbours apart in hue

// series: {name: [counts per label]}; stacked columns, one per label
export function stackedColumns(container, labels, series, names) {
  const W = 640, H = 240, L = 34, B = 36, T = 10;
  const keys = Object.keys(series);
  const totals = labels.map((_, i) => keys.reduce((s, k) => s + series[k][i], 0));
  const max = Math.max(1, ...totals);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img" });
  const step = (W - L - 8) / Math.max(1, labels.length);
  const scale = (H - B - T) / max;
  for (let g = 0; g <= 4; g++) {
    const v = Math.round((max * g) / 4), y = H - B - v * scale;
    svg.appendChild(svgEl("line", { x1: L, x2: W - 4, y1: y, y2: y, class: "gridline" }));
    svg.appendChild(svgEl("text", { x: L - 4, y: y + 4, "text-anchor": "end", class: "axis" }, v));
  }
  labels.forEach((label, i) => {
    let y = H - B;
    keys.forEach((k, j) => {
      const h = series[k][i] * scale;
      if (h > 0) {
        const r = svgEl("rect", { x: L + i * step + 2, y: y - h, width: Math.max(2, step - 4), height: h, fill: PALETTE[j % PALETTE.length] });
        r.appendChild(svgEl("title", {}, `${names(k)} ${label}: ${series[k][i]}`));
        svg.appendChild(r);
        y -= h;
      }
    });
    if (labels.length <= 16 || i % 2 === 0) {
      svg.appendChild(svgEl("text", { x: L + i * step + step / 2, y: H - B + 14, "text-anchor": "middle", class: "axis" }, label.slice(5)));
    }
  });
  container.replaceChildren(svg);
  return keys.map((k, j) => ({ name: names(k), colour: PALETTE[j % PALETTE.length] }));
}

// items: [[label, value]]; horizontal bars
export function horizontalBars(container, items, unit = "") {
  const W = 640, row = 24, L = 170;
  const H = Math.max(row, items.length * row) + 6;
  const max = Math.max(1, ...items.map((x) => x[1]));
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img" });
  items.forEach(([label, value], i) => {
    const y = i * row + 4, w = ((W - L - 60) * value) / max;
    svg.appendChild(svgEl("text", { x: L - 6, y: y + 14, "text-anchor": "end", class: "axis" }, label));
    svg.appendChild(svgEl("rect", { x: L, y, width: Math.max(1, w), height: row - 8, fill: PALETTE[1] }));
    svg.appendChild(svgEl("text", { x: L + w + 6, y: y + 14, class: "axis" }, `${value}${unit}`));
  });
  container.replaceChildren(svg);
}
