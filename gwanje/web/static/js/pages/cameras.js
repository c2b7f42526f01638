// The cameras page: each camera with its health; "view" opens its live view. The admin's add,
// change and remove are in admin.js.
import { api } from "../api.js";
import { $, h } from "../dom.js";
import { ago } from "../format.js";
import { t } from "../i18n.js";
import { viewLive } from "../live.js";
import { state } from "../state.js";

export async function loadCameras() {
  state.cameras = await api("/api/cameras");
  return state.cameras;
}

// how the camera's analyses run: crowd by the density model or by person boxes, falls with the
// pose check, dark frames equalised
function methods(m) {
  if (!m) return "";
  const parts = [];
  if (m.crowd) parts.push(...m.crowd.split("+").map((way) => t(`crowd.${way}`)));
  if (m.fall) parts.push(t(`fall.${m.fall}`));
  if (m.light) parts.push(t(`light.${m.light}`));
  return parts.join(" · ");
}

// recording: its mode, or why it is not recording (a full volume, a disk error)
function recording(r) {
  if (!r) return h("span", { class: "muted" }, t("rec.none"));
  if (r.startsWith("error:")) return h("span", { class: "error" }, `${t("rec.error")} (${r.slice(6).trim()})`);
  return h("span", { class: r === "paused" ? "error" : "" }, t(`rec.${r}`));
}

export function renderCameras() {
  const admin = state.user.role === "admin";
  $("#cameras-body").replaceChildren(...state.cameras.map((c) => h("tr", { "data-camera": c.id },
    h("td", {}, c.id), h("td", {}, c.name), h("td", {}, h("span", { class: `status ${c.health.status}` }, t(`status.${c.health.status}`))),
    h("td", {}, c.health.fps ?? ""), h("td", {}, c.health.lag_s ?? ""), h("td", {}, ago(c.health.last_frame_at)),
    h("td", {}, c.health.worker ?? ""), h("td", {}, methods(c.health.methods)), h("td", {}, recording(c.health.recording)),
    h("td", { class: "error" }, c.health.last_error || ""),
    h("td", {}, h("button", { type: "button", class: "link", onclick: () => viewLive(c) }, t("cameras.view")),
      admin ? h("button", { type: "button", class: "link danger", "data-remove": c.id }, t("cameras.remove")) : null))));
}
