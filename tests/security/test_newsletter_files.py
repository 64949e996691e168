"""A partner's newsletter issues and onboarding letters are e-mailed to its clients, so they
are read as strictly as its news: never through a link out of its folder (another partner's
letters or ``/etc`` would be mailed), never a FIFO or a device, never a huge file, never
thousands of files; each refusal is told at its file and nothing is published or mailed."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from storefront import InvalidSite, load_site
from storefront.site.newsletter_files import MAX_ISSUES, MAX_LETTERS
from tests.support import assert_refused, output, published, scaffold_text, storefront

MARKER = "SECRET-LETTER-OF-ANOTHER-PARTNER-5c1e"
LETTER = f"---\nsubject: {MARKER}\nafter_days: 1\n---\n\n{MARKER}\n"
ISSUE = f"---\nsubject: {MARKER}\n---\n\n{MARKER}\n"
NEWSLETTER = "\nnewsletter:\n  every: 1 week\n"


def build() -> subprocess.CompletedProcess:
    return storefront("build", "demo")


def demo(sites) -> Path:
    folder = sites.make(yaml_text=scaffold_text() + NEWSLETTER)
    (folder / "newsletter").mkdir()
    (folder / "letters").mkdir()
    return folder


def elsewhere(tmp_path: Path) -> Path:
    """A folder outside every site, holding a letter and an issue with the marker."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "day-1.md").write_text(LETTER, encoding="utf-8")
    (folder / "2027-01-12.md").write_text(ISSUE, encoding="utf-8")
    return folder


def _letter_link(sites, tmp_path):
    (demo(sites) / "letters" / "day-1.md").symlink_to(elsewhere(tmp_path) / "day-1.md")
    return "sites/demo/letters/day-1.md:1:1: this file points outside the site folder"


def _issue_link(sites, tmp_path):
    (demo(sites) / "newsletter" / "2027-01-12.md").symlink_to(elsewhere(tmp_path) / "2027-01-12.md")
    return "sites/demo/newsletter/2027-01-12.md:1:1: this file points outside the site folder"


def _letters_folder_link(sites, tmp_path):
    folder = demo(sites)
    (folder / "letters").rmdir()
    (folder / "letters").symlink_to(elsewhere(tmp_path), target_is_directory=True)
    return "sites/demo/letters:1:1: this folder is a link to another folder"


def _newsletter_folder_link(sites, tmp_path):
    folder = demo(sites)
    (folder / "newsletter").rmdir()
    (folder / "newsletter").symlink_to(elsewhere(tmp_path), target_is_directory=True)
    return "sites/demo/newsletter:1:1: this folder is a link to another folder"


def _another_partners_letter(sites, tmp_path):
    other = sites.make("other")
    (other / "letters").mkdir()
    (other / "letters" / "day-1.md").write_text(LETTER, encoding="utf-8")
    (demo(sites) / "letters" / "day-1.md").symlink_to(Path("../../other/letters/day-1.md"))
    return "sites/demo/letters/day-1.md:1:1: this file points outside the site folder"


def _hard_link(sites, tmp_path):
    os.link(elsewhere(tmp_path) / "day-1.md", demo(sites) / "letters" / "day-1.md")
    return "sites/demo/letters/day-1.md:1:1: this file is a hard link to another file"


@pytest.mark.parametrize(
    "attack",
    [_letter_link, _issue_link, _letters_folder_link, _newsletter_folder_link, _another_partners_letter, _hard_link],
)
def test_a_link_out_of_the_site_is_never_read(sites, tmp_path, attack):
    expected = attack(sites, tmp_path)
    result = build()
    assert_refused(result, re.escape(expected), unpublished=Path("public/demo"))
    assert MARKER not in published(tmp_path) + output(result)
    with pytest.raises(InvalidSite) as caught:  # what the registration service would mail from
        load_site(sites.sites / "demo")
    assert MARKER not in "\n".join(map(str, caught.value.problems))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (os.mkfifo, "not a regular file"),
        (lambda path: path.symlink_to("/dev/zero"), "points outside the site folder"),
        (lambda path: path.symlink_to(path.name), "a loop of links"),
        (lambda path: path.write_text(LETTER + "Очень длинное письмо. " * 20_000), "the largest allowed is 256 KB"),
        (lambda path: path.write_bytes(b"---\nsubject: \xff\xfe\n---\n"), "not UTF-8"),
    ],
    ids=["fifo", "dev-zero", "link-loop", "huge", "not-utf8"],
)
def test_a_letter_that_is_no_ordinary_file_is_refused_without_hanging(sites, make, message):
    make(demo(sites) / "letters" / "day-1.md")
    assert_refused(
        build(), rf"sites/demo/letters/day-1\.md:1:1: [^\n]*{re.escape(message)}", unpublished=Path("public/demo")
    )


@pytest.mark.parametrize(
    ("folder_name", "most", "name"),
    [("newsletter", MAX_ISSUES, "2027-01-{i:04d}.md"), ("letters", MAX_LETTERS, "day-{i}.md")],
)
def test_thousands_of_files_are_refused_before_any_is_read(sites, folder_name, most, name):
    folder = demo(sites) / folder_name
    for i in range(most + 1):
        (folder / name.format(i=i)).write_text("no header: each would be a problem if read", encoding="utf-8")
    result = build()
    count = f"{most + 1:,}"
    assert_refused(
        result,
        rf"sites/demo/{folder_name}:1:1: {count} files in this folder; a site may have at most {most:,}",
        unpublished=Path("public/demo"),
    )
    assert "starts with a '---' line" not in output(result), "no file of them was read"


def test_a_file_name_cannot_forge_lines_of_the_report(sites):
    (demo(sites) / "letters" / "day-1\n\x1b[31mok.md").write_text(LETTER.replace(MARKER, "Привет"), encoding="utf-8")
    result = build()
    assert_refused(
        result,
        r"sites/demo/letters/day-1\\nU\+001B\[31mok\.md:1:1: the file name contains the invisible character U\+000A",
        unpublished=Path("public/demo"),
    )
    assert "\x1b" not in output(result)
