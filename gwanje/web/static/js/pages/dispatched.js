// The agency liaison's page: the alerts dispatched to its agency (police, fire ...), newest first;
// a row opens the alert read-only, with its pictures and the camera's live view.
import { api } from "../api.js";
import { $, h } from "../dom.js";
import { camName, fmtTime, typeName } from "../format.js";
import { t } from "../i18n.js";
import { state } from "../state.js";
import { loadMyLiveShares } from "./live_share.js";

export async function loadDispatched() {
  loadMyLiveShares().catch(() => {});
  const r = await api("/api/alerts?order=latest&limit=200");
  for (const a of r.items) state.alerts.set(a.id, a);
  const rows = r.items.map((a) => h("tr", { class: `sev-${a.severity}`, "data-alert": a.id },
    h("td", {}, fmtTime(a.dispatched_at || a.first_at)), h("td", {}, camName(a.camera_id)), h("td", {}, typeName(a.type)),
    h("td", {}, h("span", { class: `pill ${a.status}` }, t(`status.${a.status}`))), h("td", {}, a.dispatch_note || "")));
  $("#dispatched-body").replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("dispatched.empty")))]));
}
