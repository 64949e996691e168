"""Every message a partner or an operator can read exists in Russian, and the compiled
catalogue storefront ships is the one its .po says (see scripts/translations)."""

from __future__ import annotations

import gettext
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from storefront import language
from tests.support import REPO

TRANSLATIONS = REPO / "storefront" / "translations"
PO = TRANSLATIONS / "ru" / "LC_MESSAGES" / "storefront.po"
MO = PO.with_suffix(".mo")
#: ``{name}`` and ``%(name)s``/``%s``/``%r`` places: a translation keeps every one of them.
PLACES = re.compile(r"\{\w*\}|%\(\w+\)[sdr]|%[sdr]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The messages marked in the code today, as ``pybabel extract`` finds them."""
    pot = tmp_path_factory.mktemp("pot") / "storefront.pot"
    pybabel = Path(subprocess.run(["which", "pybabel"], capture_output=True, text=True).stdout.strip() or "pybabel")
    venv = REPO / ".venv" / "bin" / "pybabel"
    command = [str(venv if venv.exists() else pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "N_"]
    subprocess.run([*command, "-k", "ngettext:1,2", "-o", str(pot), "."], cwd=REPO, check=True)
    with pot.open("rb") as f:
        return [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id]


@pytest.fixture(scope="module")
def russian():
    with PO.open("rb") as f:
        return read_po(f, locale="ru")


def test_the_code_marks_messages_for_translation(extracted):
    assert len(extracted) > 20
    assert "usage: " in extracted  # argparse's own words are the catalogue's too


def test_every_message_has_a_russian_translation(extracted, russian):
    translated = {}
    for m in russian:
        if m.id and "fuzzy" not in m.flags:
            forms = (m.string,) if isinstance(m.string, str) else m.string
            if all(forms):
                translated[m.id if isinstance(m.id, str) else m.id[0]] = m
    missing = [msgid for msgid in extracted if msgid not in translated]
    assert not missing, f"{len(missing)} messages have no Russian (run scripts/translations): {missing[:10]}"


def test_a_plural_has_the_three_russian_forms(russian):
    assert "nplurals=3" in russian.plural_forms
    for m in russian:
        if m.id and not isinstance(m.id, str):
            assert len(m.string) == 3 and all(m.string), m.id


def test_translations_keep_every_place_of_their_message(russian):
    for m in russian:
        if not m.id:
            continue
        ids = (m.id,) if isinstance(m.id, str) else m.id
        strings = (m.string,) if isinstance(m.string, str) else m.string
        wanted = sorted(set(PLACES.findall(ids[-1])))
        for string in strings:
            if string:
                assert sorted(set(PLACES.findall(string))) == wanted, (m.id, string)


def test_the_compiled_catalogue_is_the_po(russian):
    compiled = io.BytesIO()
    write_mo(compiled, russian)
    shipped = gettext.GNUTranslations(MO.open("rb"))
    fresh = gettext.GNUTranslations(io.BytesIO(compiled.getvalue()))
    assert shipped._catalog == fresh._catalog, "storefront.mo is stale: run scripts/translations"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "en:ru", "LANG": "ru_RU.UTF-8"}, "en"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, None),
        ({"LC_ALL": "de_DE.UTF-8", "LANG": "ru_RU.UTF-8"}, None),
        ({}, None),
    ],
)
def test_the_environment_names_the_language(environ, expected):
    assert language.from_environment(environ) == expected


def test_a_chosen_language_wins_over_the_sites_and_russian_is_the_default():
    try:
        assert language.use(None, {}) == "ru"
        with language.for_site("en"):
            assert language.gettext("usage: ") == "usage: "
        assert language.gettext("usage: ") == "использование: "
        language.use("ru", {})
        with language.for_site("en"):
            assert language.gettext("usage: ") == "использование: "
        language.use(None, {"LANG": "en_US.UTF-8"})
        assert language.for_sites(["ru", "en"]) == "en"
        language.use(None, {})
        assert language.for_sites(["en", "en"]) == "en"
        assert language.for_sites(["ru", "en"]) == "ru"
    finally:
        language.use("en")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--lang", "ru", "--help"], "использование: storefront"),
        (["--lang=en", "--help"], "usage: storefront"),
    ],
)
def test_the_help_speaks_the_chosen_language(argv, words):
    result = subprocess.run([sys.executable, "-m", "storefront", *argv], capture_output=True, text=True, check=False)
    assert words in result.stdout


def test_a_worker_process_speaks_as_its_parent_whatever_the_start_method():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    taken = language.setting()
    assert taken == ("en", True)  # as the tests chose; a fresh process would speak Russian
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn, initializer=language.restore, initargs=(taken,)) as pool:
        assert pool.submit(language.current).result() == "en"
        assert pool.submit(language.gettext, "usage: ").result() == "usage: "
