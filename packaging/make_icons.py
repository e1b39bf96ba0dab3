"""Draws Longread's icon (a page with lines of text and a magnifier) at every size the
installers need: PNGs for Linux, longread.ico for Windows, longread.icns for macOS.

    python packaging/make_icons.py   (writes packaging/icons/)
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
OUT = Path(__file__).resolve().parent / "icons"


def draw(size: int) -> Image.Image:
    scale = 4  # drawn large, then scaled down for smooth edges
    s = size * scale
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    d.rounded_rectangle((0, 0, s - 1, s - 1), radius=s // 5, fill=(26, 86, 160, 255))
    page = (s * 0.22, s * 0.14, s * 0.70, s * 0.86)
    d.rounded_rectangle(page, radius=s // 28, fill=(255, 255, 255, 255))
    for i in range(6):
        y = s * (0.25 + i * 0.09)
        d.rectangle(
            (s * 0.29, y, s * (0.63 if i % 3 else 0.52), y + s * 0.035), fill=(150, 170, 200, 255)
        )
    cx, cy, r = s * 0.66, s * 0.64, s * 0.15
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(255, 196, 0, 255), width=int(s * 0.06))
    d.line(
        (cx + r * 0.7, cy + r * 0.7, s * 0.88, s * 0.86),
        fill=(255, 196, 0, 255),
        width=int(s * 0.075),
    )
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for size in SIZES:
        draw(size).save(OUT / f"longread-{size}.png")
    big = draw(512)
    big.save(OUT / "longread.ico", sizes=[(n, n) for n in SIZES if n <= 256])
    big.save(OUT / "longread.icns")


if __name__ == "__main__":
    main()
