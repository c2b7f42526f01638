// The events page: every alert, filtered on the server by status, type, severity, camera, time
// and text, a page at a time with the true total; a row opens its alert (detail.js).
import { api } from "../api.js";
import { $, h } from "../dom.js";
import { camName, fmtTime, localInputToIso, typeName } from "../format.js";
import { t } from "../i18n.js";
import { state } from "../state.js";

const PAGE = 50;
let offset = 0;
const TYPES = ["intrusion", "loitering", "line_crossing", "crowd", "crowd_trend", "tamper", "fall", "fight", "fire", "smoke",
  "abandoned_object", "illegal_parking", "car_break_in"];
const SEVERITIES = ["critical", "high", "medium", "low", "info"];

function options(select, values, label) {
  const current = select.value;
  select.replaceChildren(h("option", { value: "" }, t("events.any")), ...values.map((v) => h("option", { value: v }, label(v))));
  select.value = current;
}

export function fillFilters() {
  options($("#filter-type"), TYPES, (v) => t(`type.${v}`));
  options($("#filter-severity"), SEVERITIES, (v) => t(`sev.${v}`));
  options($("#filter-camera"), state.cameras.map((c) => c.id), (v) => `${v} · ${camName(v)}`);
}

function query() {
  const f = new FormData($("#events-filter"));
  const p = new URLSearchParams({ limit: PAGE, offset, order: "latest" });
  for (const key of ["status", "type", "severity", "camera", "q"]) if (f.get(key)) p.set(key, f.get(key));
  for (const key of ["since", "until"]) { const iso = localInputToIso(f.get(key)); if (iso) p.set(key, iso); }
  return p;
}

export async function loadEvents() {
  fillFilters();
  const r = await api(`/api/alerts?${query()}`);
  for (const a of r.items) state.alerts.set(a.id, { ...state.alerts.get(a.id), ...a });
  $("#events-body").replaceChildren(...r.items.map((a) => h("tr", { class: `sev-${a.severity}`, "data-alert": a.id },
    h("td", {}, fmtTime(a.first_at)), h("td", {}, camName(a.camera_id)), h("td", {}, typeName(a.type)),
    h("td", {}, t(`sev.${a.severity}`)), h("td", {}, a.zone || ""), h("td", {}, a.hit_count),
    h("td", {}, h("span", { class: `pill ${a.status}` }, t(`status.${a.status}`))),
    h("td", {}, a.sop_total ? `${a.sop_done}/${a.sop_total}` : ""))));
  const to = Math.min(r.total, offset + r.items.length);
  $("#events-range").textContent = t("events.range", { from: r.total ? offset + 1 : 0, to, total: r.total });
  $("#events-prev").disabled = offset === 0;
  $("#events-next").disabled = to >= r.total;
}

$("#events-filter").addEventListener("submit", (e) => { e.preventDefault(); offset = 0; loadEvents(); });
$("#events-filter").addEventListener("change", (e) => { if (e.target.tagName === "SELECT") { offset = 0; loadEvents(); } });
$("#events-prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); loadEvents(); });
$("#events-next").addEventListener("click", () => { offset += PAGE; loadEvents(); });

// many alerts a minute must not mean many reloads: at most one per 2 s, and only on the first page
let reloadTimer = null;
export function reloadEventsSoon(stillShown) {
  if (reloadTimer || offset > 0) return;
  reloadTimer = setTimeout(() => { reloadTimer = null; if (stillShown()) loadEvents(); }, 2000);
}
