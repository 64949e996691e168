"""The Markdown prefilter is really in use, and says so loudly when python-markdown changes under it."""

from __future__ import annotations

import markdown
from markdown.preprocessors import HtmlBlockPreprocessor
from markdown.treeprocessors import InlineProcessor

from storefront.render.markdown_html import EXTENSIONS, new_converter
from storefront.speedups import markdown_prefilter
from storefront.speedups.markdown_prefilter import BLOCK_NEEDLES, HANDLE_INLINE, INLINE_NEEDLES


def test_python_markdown_still_has_the_private_method_the_quick_inline_step_overrides():
    assert hasattr(InlineProcessor, HANDLE_INLINE), (
        f"python-markdown {markdown.__version__} no longer has InlineProcessor.__handleInline: "
        "storefront/speedups/markdown_prefilter.py must find another way to skip plain texts"
    )


def test_every_pattern_python_markdown_registers_has_its_needles():
    stock = markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
    known = [name for name in INLINE_NEEDLES if name in stock.inlinePatterns]
    assert len(known) == len(stock.inlinePatterns), (
        "python-markdown registers inline patterns the prefilter does not know: add their needles "
        "to INLINE_NEEDLES (until then, plain texts are not skipped)"
    )
    assert all(name in stock.parser.blockprocessors for name in BLOCK_NEEDLES)


def test_the_converter_uses_every_shortcut():
    converter = new_converter()
    assert markdown_prefilter.inline_step_skippable(converter)
    assert type(converter.treeprocessors["inline"]).__name__ == "_QuickInline"
    assert type(converter.preprocessors["html_block"]).__name__ == "_QuickHtmlBlocks"
    assert isinstance(converter.preprocessors["html_block"], HtmlBlockPreprocessor)
    for name, needles in INLINE_NEEDLES.items():
        if len(needles) == 1:
            assert converter.inlinePatterns[name].compiled_re.search("plain prose") is None
    for name in BLOCK_NEEDLES:
        assert type(converter.parser.blockprocessors[name].RE).__name__ == "_Prefiltered", name
