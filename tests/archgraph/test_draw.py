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


def test_cts_drawing_is_a_laptop_sized_diagram_with_a_legend(tmp_path):
    from PIL import Image

    from archgraph.draw import OP_TEXT

    png = ag.draw(EXAMPLE, tmp_path / "a.png")
    width, height = Image.open(png).size
    assert width <= 1800 and height <= 800  # fits a laptop screen at 100%
    text = ag.draw(EXAMPLE, tmp_path / "a.svg").read_text()
    assert "encoder cell: 4 nodes; 2 cells stacked, hidden width 32" in text
    assert "view 1: augmentations" in text and "1. jitter 0.1" in text
    used = {ag.GRIDS.encoder_ops[op] for _, op in EXAMPLE["encoder"]}
    for op in used:  # every op name on an arrow is explained in the legend
        assert OP_TEXT[op] in text, op
    for op in set(OP_TEXT) - used:
        assert OP_TEXT[op] not in text, op
