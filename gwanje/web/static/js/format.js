// How things read: times in the center's time zone, type and camera names, ages, tile reasons.
import { LANG, t } from "./i18n.js";
import { state } from "./state.js";

// times are shown in the center's time zone (Asia/Seoul by default), whatever the browser's
export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(LANG === "ko" ? "ko-KR" : "en-GB",
  { hour12: false, timeZone: state.timezone || undefined }) : "");
export const typeName = (ty) => t(`type.${ty}`);
export const camName = (id) => state.cameras.find((c) => c.id === id)?.name || id;

export function ago(iso) {
  if (!iso) return t("never");
  return `${Math.max(0, Math.round((Date.now() - new Date(iso)) / 1000))} ${t("ago.s")}`;
}

// why a camera is on a wall: "침입 14초 · lawn"
export function reasonText(r, now = Date.now() / 1000) {
  if (!r) return "";
  const age = Math.max(0, Math.round(now - r.since));
  if (r.kind === "incident") return `${t("reason.incident")}${r.detail ? " · " + r.detail : ""}`;
  if (r.kind === "offline") return `${t("reason.offline")} ${age}${t("sec")}`;
  const what = `${typeName(r.type)}${r.detail ? " " + r.detail : ""}`;
  return `${what} ${age}${t("sec")}${r.zone ? " · " + r.zone : ""}`;
}
