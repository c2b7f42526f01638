"""HTTP MJPEG (multipart/x-mixed-replace), as many IP cameras serve it, from a real HTTP server."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice

import cv2
import pytest

from gwanje.video.source import VideoSource


@pytest.fixture
def mjpeg_server(vtest_frames):
    jpegs = [cv2.imencode(".jpg", f.image)[1].tobytes() for f in vtest_frames[:50]]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            try:
                for i in range(200):
                    body = jpegs[i % len(jpegs)]
                    self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\n")
                    self.wfile.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body + b"\r\n")
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
    server.shutdown()


def test_reads_mjpeg_over_http(mjpeg_server):
    src = VideoSource("ipcam", mjpeg_server, analysis_fps=5, open_timeout_s=5)
    frames = list(islice(src.frames(), 5))
    src.stop()
    assert frames[0].image.shape == (576, 768, 3)
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
