// What only the admin does from the console: add, change and remove cameras (the form and the
// remove buttons on the cameras page).
import { api } from "../api.js";
import { $ } from "../dom.js";
import { t } from "../i18n.js";
import { loadCameras, renderCameras } from "./cameras.js";

async function removeCamera(id) {
  if (!confirm(`${t("cameras.confirm_remove")} ${id}`)) return;
  await api(`/api/cameras/${encodeURIComponent(id)}`, { method: "DELETE" });
  await loadCameras();
  renderCameras();
}

$("#cameras-body").addEventListener("click", (e) => {
  const button = e.target.closest("[data-remove]");
  if (button) removeCamera(button.dataset.remove);
});

$("#camera-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $("#camera-error").textContent = "";
  try {
    const extra = f.get("extra").trim() ? JSON.parse(f.get("extra")) : {};
    const id = f.get("id");
    await api(`/api/cameras/${encodeURIComponent(id)}`, { method: "PUT", body: { ...extra, id, name: f.get("name"), url: f.get("url") } });
    ev.target.reset();
    await loadCameras();
    renderCameras();
  } catch (e) { $("#camera-error").textContent = e.message; }
});
