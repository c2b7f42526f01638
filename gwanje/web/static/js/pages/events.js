// The events page: every event, filtered by status; a row opens its event (detail.js).
import { api } from "../api.js";
import { $, h } from "../dom.js";
import { camName, fmtTime, typeName } from "../format.js";
import { t } from "../i18n.js";

export async function loadEvents() {
  const f = $("#events-filter").value;
  const rows = await api(`/api/events?limit=200${f ? "&status=" + f : ""}`);
  $("#events-body").replaceChildren(...rows.map((e) => h("tr", { class: `sev-${e.severity}`, "data-event": e.id },
    h("td", {}, fmtTime(e.started_at)), h("td", {}, camName(e.camera_id)), h("td", {}, typeName(e.type)),
    h("td", {}, t(`sev.${e.severity}`)), h("td", {}, e.zone || ""), h("td", {}, h("span", { class: `pill ${e.status}` }, t(`status.${e.status}`))),
    h("td", {}, e.sop_total ? `${e.sop_done}/${e.sop_total}` : ""))));
}
$("#events-filter").addEventListener("change", loadEvents);

// many events a second must not mean many reloads a second: at most one per 2 s
let reloadTimer = null;
export function reloadEventsSoon(stillShown) {
  if (reloadTimer) return;
  reloadTimer = setTimeout(() => { reloadTimer = null; if (stillShown()) loadEvents(); }, 2000);
}
