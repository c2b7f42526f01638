// The shift: an operator or supervisor starts it (reading the last handover notes, 인수인계) and
// ends it with a note for the next shift. While the console is open it sends a heartbeat (the
// event stream counts too): that is what puts a wall on duty, not a session left signed in.
import { api } from "./api.js";
import { banner } from "./banner.js";
import { $, h } from "./dom.js";
import { fmtTime } from "./format.js";
import { t } from "./i18n.js";
import { ON_DUTY_ROLES, state } from "./state.js";

const HEARTBEAT_MS = 10_000;
let beat = null;

function drawButton() {
  $("#shift-btn").textContent = state.shift ? t("shift.on") : t("shift.off");
}

export async function startDuty() {
  if (!ON_DUTY_ROLES.has(state.user.role)) return;
  const duty = await api("/api/duty");
  state.shift = duty.shift;
  drawButton();
  // not modal: the wall works at once; the banner leads to the handover notes and the start
  if (!state.shift) banner(t("shift.prompt", { n: duty.handovers.length }), () => showStart(duty.handovers), "info");
  clearInterval(beat);
  beat = setInterval(() => { if (state.user && document.visibilityState === "visible") api("/api/duty/heartbeat", { method: "POST" }).catch(() => {}); }, HEARTBEAT_MS);
}

export function stopDuty() { clearInterval(beat); beat = null; }

function showStart(handovers) {
  $("#shift-title").textContent = t("shift.title_start");
  $("#shift-start-part").hidden = false;
  $("#shift-end-form").hidden = true;
  $("#shift-handovers").replaceChildren(...(handovers.length ? handovers.map((s) => h("li", {},
    h("strong", {}, `${s.username} · ${fmtTime(s.ended_at)}`), h("div", { class: "note" }, s.handover_note)))
    : [h("li", { class: "muted" }, t("shift.none"))]));
  $("#shift-dialog").hidden = false;
}

function showEnd() {
  $("#shift-title").textContent = t("shift.title_end");
  $("#shift-start-part").hidden = true;
  $("#shift-end-form").hidden = false;
  $("#shift-dialog").hidden = false;
}

$("#shift-btn").addEventListener("click", async () => {
  if (state.shift) return showEnd();
  showStart((await api("/api/duty")).handovers);
});
$("#shift-start").addEventListener("click", async () => {
  state.shift = (await api("/api/duty/start", { method: "POST" })).shift;
  $("#shift-dialog").hidden = true;
  drawButton();
});
$("#shift-close").addEventListener("click", () => { $("#shift-dialog").hidden = true; });
$("#shift-end-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  await api("/api/duty/end", { method: "POST", body: { note: new FormData(ev.target).get("note") } });
  ev.target.reset();
  state.shift = null;
  $("#shift-dialog").hidden = true;
  document.getElementById("logout").click();  // the shift is over: sign out of this console
});
