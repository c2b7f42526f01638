// Supervision: every operator's wall and load, for supervisors.
import { api } from "../api.js";
import { $, h } from "../dom.js";
import { reasonText } from "../format.js";
import { t } from "../i18n.js";

export async function loadSupervision() {
  const o = await api("/api/walls");
  $("#sup-summary").textContent = `${t("sup.worth")}: ${o.cameras_worth_showing} · ${t("sup.shown")}: ${o.shown} · ${t("sup.compute")}: ${o.last_ms} ms`;
  $("#sup-walls").replaceChildren(...o.walls.map((w) => h("div", { class: "card", "data-operator": w.operator },
    h("h3", {}, `${w.operator}${w.supervisor ? " (supervisor)" : ""} — ${t("sup.tiles")} ${w.tiles.filter(Boolean).length}/${w.size} · ${t("sup.open")} ${w.open_events}`),
    h("ol", {}, w.tiles.map((tile) => h("li", {}, tile ? `${tile.camera_id} ${tile.name} — ${reasonText(tile.reason)} (${tile.priority})${tile.escalated ? " · " + t("escalated") : ""}` : "—"))))));
}

// walls change often: reload at most once a second
let supTimer = null;
export function loadSupervisionSoon() {
  if (supTimer) return;
  supTimer = setTimeout(() => { supTimer = null; loadSupervision(); }, 1000);
}
