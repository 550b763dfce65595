"""Looking inside: the feature maps follow the drawing, the filters follow the weights, PNG export."""
import numpy as np
import pytest
from PySide6.QtGui import QImage

import cnn
from cnn import conv_blocks
from gui.inspect.feature_maps_view import COLUMNS
from gui.inspect.tiles import GAP, mosaic, scale_per_map, scale_signed

LOOK_INSIDE = 1


def network_maps(window, raw=False):
    """Each conv block's maps for the image the window last read, straight from the network."""
    mean, std = window.active.normalization
    outputs = window.active.model.activations(cnn.normalize(window.latest_result.image, mean, std))
    kind = cnn.Conv2D if raw else cnn.ReLU
    return [out[0] for layer, out in outputs if isinstance(layer, kind) and out.ndim == 4]


def test_drawing_updates_the_feature_map_tiles(window, draw, shapes):
    window.tabs.setCurrentIndex(LOOK_INSIDE)
    view = window.feature_maps_view
    assert view.blocks == [] and view.mosaics() == []
    draw(window.canvas, shapes.seven())
    maps = view.shown_maps()
    assert [m.shape for m in maps] == [(32, 14, 14), (64, 7, 7)]
    for shown, expected in zip(maps, network_maps(window)):
        np.testing.assert_allclose(shown, expected, rtol=1e-6, atol=1e-7)
    # What is on screen is those maps, one tile each: 4 rows of 8 and 8 rows of 8.
    on_screen = view.mosaics()
    assert on_screen[0].shape == (4 * (14 + GAP) + GAP, 8 * (14 + GAP) + GAP, 3)
    assert on_screen[1].shape == (8 * (7 + GAP) + GAP, 8 * (7 + GAP) + GAP, 3)
    for image, m in zip(on_screen, maps):
        np.testing.assert_array_equal(image, mosaic(scale_per_map(m), COLUMNS))


def test_maps_drawn_while_the_tab_is_hidden_are_painted_when_it_opens(window, draw, shapes):
    view = window.feature_maps_view
    assert not view.isVisible()
    draw(window.canvas, shapes.seven())
    assert [image.image for _, image in view._plots] in ([], [None, None])  # not painted unseen
    window.tabs.setCurrentIndex(LOOK_INSIDE)  # the tab opens: the latest maps appear
    shown = [image.image for _, image in view._plots]
    for image, m in zip(shown, network_maps(window)):
        np.testing.assert_array_equal(image, mosaic(scale_per_map(m), COLUMNS))


def test_feature_maps_follow_each_new_drawing_and_the_raw_switch(window, draw, shapes):
    draw(window.canvas, shapes.one())
    first = [m.copy() for m in window.feature_maps_view.shown_maps()]
    window.clear_button.click()
    assert window.feature_maps_view.blocks == []
    assert all(image is None for image in window.feature_maps_view.mosaics())
    draw(window.canvas, shapes.zero())
    second = window.feature_maps_view.shown_maps()
    assert not np.allclose(first[0], second[0])
    window.feature_maps_view.raw_box.setChecked(True)
    raw = window.feature_maps_view.shown_maps()
    assert [m.shape for m in raw] == [(32, 28, 28), (64, 14, 14)]
    for shown, expected in zip(raw, network_maps(window, raw=True)):
        np.testing.assert_allclose(shown, expected, rtol=1e-6, atol=1e-6)
    assert window.feature_maps_view.mosaics()[0].shape[0] == 4 * (28 + GAP) + GAP


def test_filters_show_the_first_conv_weights_and_follow_the_model(window):
    view = window.filters_view
    weights = window.active.model.state_dict()["0.weight"]
    assert weights.shape == (32, 1, 3, 3)
    np.testing.assert_array_equal(view.filters, weights[:, 0])
    np.testing.assert_array_equal(view.image.image, mosaic(scale_signed(weights[:, 0]), 16, 6))
    other = cnn.build_default(np.random.default_rng(7)).state_dict()
    window.active.load_state(other, {}, "another network")  # what a finished training epoch does
    np.testing.assert_array_equal(view.filters, other["0.weight"][:, 0])
    assert not np.array_equal(view.filters, weights[:, 0])
    assert "32 learned 3×3 filters" in view.title.text()


def test_new_weights_redraw_the_feature_maps(window, draw, shapes):
    draw(window.canvas, shapes.seven())
    before = window.feature_maps_view.shown_maps()[0].copy()
    window.active.load_state(cnn.build_default(np.random.default_rng(3)).state_dict(), {}, "other")
    after = window.feature_maps_view.shown_maps()[0]
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, network_maps(window)[0], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("view_name", ["feature_maps_view", "filters_view"])
def test_export_buttons_write_png_files(window, draw, shapes, dialogs, tmp_path, view_name):
    window.tabs.setCurrentIndex(LOOK_INSIDE)
    draw(window.canvas, shapes.zero())
    view = getattr(window, view_name)
    dialogs.png_path = None  # cancelled: nothing written
    view.export_button.click()
    assert dialogs.asked == ["png"] and list(tmp_path.glob("*.png")) == []
    dialogs.png_path = tmp_path / "out.png"
    view.export_button.click()
    assert dialogs.suggested_png.suffix == ".png"
    image = QImage(str(dialogs.png_path))
    assert not image.isNull() and image.width() > 200 and image.height() > 50
    assert dialogs.png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(pixels) > 10  # the tiles are in it, not a blank page


def test_conv_blocks_group_a_network_by_its_layers():
    model = cnn.build_default(np.random.default_rng(0))
    blocks = conv_blocks(model.activations(np.zeros((1, 1, 28, 28), np.float32)))
    assert [b.name for b in blocks] == ["Block 1", "Block 2"]
    assert [(b.conv.shape, b.output.shape) for b in blocks] == [((32, 28, 28), (32, 14, 14)),
                                                               ((64, 14, 14), (64, 7, 7))]


def test_display_scaling_keeps_zero_black_and_each_map_to_its_peak():
    maps = np.array([[[0, 1], [2, 4]], [[0, 0], [0, 0]], [[-2, 0], [1, 2]]], np.float32)
    scaled = scale_per_map(maps)
    np.testing.assert_allclose(scaled[0], [[0, 0.25], [0.5, 1]])
    assert np.all(scaled[1] == 0)  # a silent map stays black
    np.testing.assert_allclose(scaled[2], [[0, 0.5], [0.75, 1]])
    signed = scale_signed(np.array([[[-2, 0], [1, 2]]], np.float32))
    np.testing.assert_allclose(signed[0], [[0, 0.5], [0.75, 1]])
