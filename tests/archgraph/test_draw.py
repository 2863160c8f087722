import matplotlib.pyplot as plt

import archgraph as ag

from .conftest import EXAMPLE


def test_draw_png_and_svg(tmp_path):
    png = ag.draw(EXAMPLE, tmp_path / "a.png")
    svg = ag.draw(ag.encode(EXAMPLE), tmp_path / "sub" / "a.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = svg.read_text()
    assert "<svg" in text and "InfoNCE" in text and "diff_gcn" in text


def test_draw_on_axes():
    fig, ax = plt.subplots()
    assert ag.draw(EXAMPLE, ax, title="x") is ax
    assert ax.get_title() == "x"
    plt.close(fig)
