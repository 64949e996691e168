"""Telling that files changed without opening them."""

from __future__ import annotations

import os

import pytest

from storefront.fingerprints import TooManyFiles, fingerprint, listing, stamp


def test_a_fingerprint_changes_with_a_file_an_added_file_and_an_option(tmp_path):
    (tmp_path / "a.md").write_text("one")
    first = fingerprint([tmp_path], ("x",))
    assert fingerprint([tmp_path], ("x",)) == first
    assert fingerprint([tmp_path], ("y",)) != first
    (tmp_path / "a.md").write_text("two!")
    edited = fingerprint([tmp_path], ("x",))
    assert edited != first
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("")
    assert fingerprint([tmp_path], ("x",)) != edited


def test_links_are_stamped_as_links_and_never_followed(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "link").symlink_to(tmp_path / "fifo")
    (tmp_path / "site" / "folder-link").symlink_to(tmp_path)
    found = list(listing([tmp_path / "site"]))
    assert [os.path.basename(f.path) for f in found] == ["folder-link", "link"]
    assert stamp(tmp_path / "site" / "link") == found[1]


def test_a_folder_with_too_many_files_is_refused(tmp_path):
    for i in range(5):
        (tmp_path / f"{i}.md").write_text("")
    assert len(list(listing([tmp_path], limit=5))) == 5
    with pytest.raises(TooManyFiles, match="more than 4 files"):
        fingerprint([tmp_path], (), limit=4)


def test_a_missing_folder_gives_nothing(tmp_path):
    assert list(listing([tmp_path / "nowhere"])) == []
