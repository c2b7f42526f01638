#!/usr/bin/env bash
# Install the Debian packages Gwanje needs, only those missing, saying what and why.
#   scripts/debian-packages.sh demo   # the demo clip (opencv-doc: vtest.avi, PETS 2009) and ffmpeg
#   scripts/debian-packages.sh test   # plus GStreamer's RTSP server for the real-RTSP tests and
#                                     # Chromium (with Korean fonts) for the console's browser tests
set -euo pipefail
want=(opencv-doc libgl1 libglib2.0-0)
if [ "${1:-demo}" = test ]; then
  want+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
         gstreamer1.0-plugins-ugly gstreamer1.0-libav chromium fonts-noto-cjk)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
echo "  (opencv-doc ships the demo clip vtest.avi, PETS 2009 S2L1; GStreamer serves RTSP and Chromium"
echo "   drives the console in the tests)"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
