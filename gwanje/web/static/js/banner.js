// The banner under the header: escalations (red), notices and errors; click to follow, ✕ to close.
import { $, h } from "./dom.js";

export function banner(text, onclick, kind = "alarm") {
  const b = $("#banner");
  b.className = `banner ${kind}`;
  b.replaceChildren(h("span", {}, text), h("button", { type: "button", class: "link", onclick: () => { b.hidden = true; } }, "✕"));
  b.onclick = (e) => { if (onclick && e.target.tagName !== "BUTTON") onclick(); };
  b.hidden = false;
}
