// Live views: the annotated MJPEG of a camera, one <img> per camera kept while it is shown, and
// the viewer that opens one camera large.
import { $, h } from "./dom.js";

const liveImages = new Map();
export const liveUrl = (camId) => `/api/cameras/${encodeURIComponent(camId)}/live.mjpg`;

export function liveImage(camId, name) {
  let img = liveImages.get(camId);
  if (!img) {
    img = h("img", { src: liveUrl(camId), alt: name, class: "live" });
    liveImages.set(camId, img);
  }
  return img;
}

// close the streams of cameras no longer shown (an <img> without src stops loading)
export function keepLive(cameraIds) {
  for (const cam of [...liveImages.keys()]) if (!cameraIds.has(cam)) { liveImages.get(cam).src = ""; liveImages.delete(cam); }
}

export function viewLive(cam) {
  $("#v-title").textContent = `${cam.id} · ${cam.name}`;
  $("#v-img").src = liveUrl(cam.id);
  $("#viewer").hidden = false;
}
$("#v-close").addEventListener("click", () => { $("#viewer").hidden = true; $("#v-img").src = ""; });
