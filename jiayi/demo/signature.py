"""Handwritten-looking signatures for demo agreements: small 1-bit PNGs drawn with Pillow."""

import io
import math

from PIL import Image, ImageDraw

POOL = 12


def scribble(rng, width: int = 240, height: int = 80) -> bytes:
    """A few connected pen strokes, like a hurried signature on a tablet."""
    img = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(img)
    x, y = rng.randint(10, 30), rng.randint(30, 50)
    for _stroke in range(rng.randint(2, 4)):
        points = [(x, y)]
        for _ in range(rng.randint(8, 16)):
            x = min(width - 5, x + rng.randint(4, 16))
            y = int(height / 2 + math.sin(x / rng.uniform(5, 12)) * rng.randint(8, 26))
            points.append((x, y))
        draw.line(points, fill=0, width=2, joint="curve")
        x = min(width - 40, x + rng.randint(6, 20))
    if rng.random() < 0.7:  # the underline many people add
        y0 = height - rng.randint(8, 16)
        draw.line([(rng.randint(5, 30), y0), (x, y0 - rng.randint(-4, 4))], fill=0, width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def signature_pool(rng, n: int = POOL) -> list[bytes]:
    return [scribble(rng) for _ in range(n)]
