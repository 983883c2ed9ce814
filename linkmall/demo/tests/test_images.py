"""Product pictures are drawn locally, with the name when a CJK font exists and shapes without."""

import io

from PIL import Image

from linkmall.demo.images import product_image


def test_a_picture_is_a_square_jpeg():
    picture = Image.open(io.BytesIO(product_image(name="赣南脐橙", category_slug="fresh")))
    assert (picture.format, picture.size) == ("JPEG", (480, 480))


def test_without_any_cjk_font_the_picture_is_drawn_with_shapes_only():
    shapes_only = product_image(name="赣南脐橙", category_slug="fresh", font_candidates=())
    assert Image.open(io.BytesIO(shapes_only)).size == (480, 480)
    assert shapes_only != product_image(name="赣南脐橙", category_slug="fresh")


def test_variants_of_one_product_differ():
    assert product_image(name="丝绒雾面口红", category_slug="beauty", variant=0) != product_image(
        name="丝绒雾面口红", category_slug="beauty", variant=1
    )
