"""A partner file that is too big is refused with sizes written as the partner's language writes them."""

from __future__ import annotations

import pytest

from storefront import language
from storefront.site.partner_files import UnsafeFile, read_bytes


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "this file is 1.5 MB; the largest allowed is 1 MB"), ("ru", "1,5 МБ")],
)
def test_a_file_over_the_limit_names_both_sizes_in_the_partners_language(tmp_path, lang, words):
    big = tmp_path / "logo.png"
    big.write_bytes(b"\0" * (3 * 1024 * 1024 // 2))
    language.use(lang)
    try:
        with pytest.raises(UnsafeFile) as refused:
            read_bytes(big, tmp_path, 1024 * 1024)
    finally:
        language.use()
    assert words in str(refused.value)
