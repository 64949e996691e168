import pytest

from storefront.site import contrast
from storefront.site.theme_chain import available, resolve


def test_black_on_white_is_21():
    assert contrast.ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast.ratio("#777777", "#777777") == pytest.approx(1)


def test_known_ratio():
    assert contrast.ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_nearest_passing_keeps_the_hue_and_passes():
    suggestion = contrast.nearest_passing("#ffcc00", ["#ffffff"], 4.5)
    assert contrast.ratio(suggestion, "#ffffff") >= 4.5
    assert suggestion[1:3] > suggestion[5:7]  # still a yellow/brown: red above blue


@pytest.mark.parametrize("name", sorted(available(None)))
def test_builtin_themes_are_readable(name):
    """Each theme's own colours pass WCAG AA before any partner brand is applied."""
    v = resolve(name, None).variables
    for fg, bg in [
        ("text", "background"),
        ("muted", "background"),
        ("text", "surface"),
        ("muted", "surface"),
        ("primary", "background"),
        ("on_primary", "primary"),
    ]:
        assert contrast.ratio(v[fg], v[bg]) >= 4.5, f"{name}: {fg} on {bg}"
    assert contrast.ratio(v["accent"], v["background"]) >= 3
