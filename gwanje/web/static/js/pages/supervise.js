// Supervision: who is on duty (consoles open now), the latest handover notes, every operator's
// wall and load, and the shelved rules (a supervisor can take one off the shelf).
import { api } from "../api.js";
import { banner } from "../banner.js";
import { $, h } from "../dom.js";
import { camName, fmtTime, reasonText, roleName, typeName } from "../format.js";
import { t } from "../i18n.js";
import { loadExchange } from "./exchange.js";
import { loadLiveShares } from "./live_share.js";

export async function loadSupervision() {
  loadExchange().catch((e) => banner(e.message));
  loadLiveShares().catch((e) => banner(e.message));
  const [o, duty, shelves] = await Promise.all([api("/api/walls"), api("/api/duty"), api("/api/shelves")]);
  $("#sup-present").replaceChildren(...(o.present.length ? o.present.map((p) => h("li", { "data-present": p.username },
    `${p.username} (${roleName(p.role)}) — ${fmtTime(new Date(p.since * 1000).toISOString())} ${t("sup.since")}`))
    : [h("li", { class: "muted" }, t("sup.nobody"))]));
  $("#sup-handovers").replaceChildren(...(duty.handovers.length ? duty.handovers.map((s) => h("li", {},
    h("strong", {}, `${s.username} · ${fmtTime(s.ended_at)}`), h("div", { class: "note" }, s.handover_note)))
    : [h("li", { class: "muted" }, t("sup.none"))]));
  $("#sup-summary").textContent = `${t("sup.worth")}: ${o.cameras_worth_showing} · ${t("sup.shown")}: ${o.shown} · ${t("sup.compute")}: ${o.last_ms} ms`;
  $("#sup-walls").replaceChildren(...o.walls.map((w) => h("div", { class: "card", "data-operator": w.operator },
    h("h3", {}, `${w.operator} (${roleName(w.supervisor ? "supervisor" : "operator")}) — ${t("sup.tiles")} ${w.tiles.filter(Boolean).length}/${w.size} · ${t("sup.open")} ${w.open_alerts}`),
    h("ol", {}, w.tiles.map((tile) => h("li", {}, tile ? `${tile.camera_id} ${tile.name} — ${reasonText(tile.reason)} (${tile.priority})${tile.escalated ? " · " + t("escalated") : ""}` : "—"))))));
  $("#sup-shelves").replaceChildren(...shelves.map((s) => h("tr", { class: s.active ? "" : "muted" },
    h("td", {}, camName(s.camera_id)), h("td", {}, typeName(s.type)), h("td", {}, s.zone || "—"), h("td", {}, s.reason),
    h("td", {}, s.created_by), h("td", {}, fmtTime(s.cleared_at || s.until)), h("td", {}, s.hits),
    h("td", {}, s.active ? h("button", { type: "button", class: "link", onclick: () => unshelve(s.id) }, t("shelf.clear")) : ""))));
}

async function unshelve(id) {
  try { await api(`/api/shelves/${id}`, { method: "DELETE" }); loadSupervision(); } catch (e) { banner(e.message); }
}

// walls change often: reload at most once a second
let supTimer = null;
export function loadSupervisionSoon() {
  if (supTimer) return;
  supTimer = setTimeout(() => { supTimer = null; loadSupervision(); }, 1000);
}
