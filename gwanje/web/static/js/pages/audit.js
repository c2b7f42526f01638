// The audit trail, for supervisors: who did what, when, from where, with the actions in words
// and a filter by action.
import { api } from "../api.js";
import { $, h } from "../dom.js";
import { auditName, fmtTime } from "../format.js";
import { t } from "../i18n.js";

const ACTIONS = ["login", "logout", "login_failed", "login_throttled", "view_live", "view_snapshot",
  "alert_acknowledge", "alert_dispatch", "alert_resolve", "alert_false_alarm", "alert_escalate", "sop_tick",
  "incident_report", "shelve", "unshelve", "shift_start", "shift_end", "wall_pin", "wall_dismiss",
  "camera_add", "camera_change", "camera_remove", "user_add", "user_change", "user_disable", "user_enable",
  "user_password_reset", "event_ingest", "view_recording", "recording_search", "recording_destroy", "hold_create",
  "hold_release", "evidence_request", "evidence_subjects", "evidence_preview", "evidence_approve", "evidence_reject",
  "evidence_export", "evidence_link", "evidence_download", "evidence_destroy", "evidence_outcome", "ledger_export", "ledger_correct"];

export async function loadAudit() {
  const select = $("#audit-action");
  const current = select.value;
  select.replaceChildren(h("option", { value: "" }, t("audit.all")), ...ACTIONS.map((a) => h("option", { value: a }, auditName(a))));
  select.value = current;
  const rows = await api(`/api/audit?limit=300${current ? "&action=" + encodeURIComponent(current) : ""}`);
  $("#audit-body").replaceChildren(...rows.map((r) => h("tr", {},
    h("td", {}, fmtTime(r.at)), h("td", {}, r.username), h("td", { title: r.action }, auditName(r.action)),
    h("td", {}, r.target || ""), h("td", {}, r.ip || ""))));
}
$("#audit-action").addEventListener("change", loadAudit);
