"""Made the demo's short video (sunrise.webm) once: Pillow frames piped to ffmpeg (VP9 WebM).
Not used at run time; kept so the file can be made again: `python make_sunrise.py sunrise.webm`
(needs ffmpeg with libvpx-vp9)."""

import math
import subprocess
import sys

from PIL import Image, ImageDraw

W, H, FPS, SECONDS = 240, 426, 12, 4
out = sys.argv[1]
proc = subprocess.Popen(
    [
        "ffmpeg",
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{W}x{H}",
        "-r",
        str(FPS),
        "-i",
        "-",
        "-c:v",
        "libvpx-vp9",
        "-b:v",
        "120k",
        "-pix_fmt",
        "yuv420p",
        "-an",
        "-metadata",
        "title=xiaodian demo",
        out,
    ],
    stdin=subprocess.PIPE,
)
for i in range(FPS * SECONDS):
    t = i / (FPS * SECONDS)
    img = Image.new("RGB", (W, H), (38, 50, 56))
    d = ImageDraw.Draw(img)
    # a sunrise: the sky warms, a disc rises, a flower of petals turns
    sky = int(60 + 120 * t)
    d.rectangle([0, 0, W, H * 2 // 3], fill=(sky, int(sky * 0.8), 90))
    d.rectangle([0, H * 2 // 3, W, H], fill=(46, 125, 50))
    cy = int(H * 0.6 - H * 0.35 * t)
    d.ellipse([W // 2 - 40, cy - 40, W // 2 + 40, cy + 40], fill=(255, 202, 40))
    fx, fy = W // 2, int(H * 0.8)
    for k in range(6):
        a = 2 * math.pi * (k / 6 + t / 2)
        px, py = fx + 22 * math.cos(a), fy + 22 * math.sin(a)
        d.ellipse([px - 14, py - 14, px + 14, py + 14], fill=(236, 64, 122))
    d.ellipse([fx - 10, fy - 10, fx + 10, fy + 10], fill=(255, 241, 118))
    proc.stdin.write(img.tobytes())
proc.stdin.close()
sys.exit(proc.wait())
