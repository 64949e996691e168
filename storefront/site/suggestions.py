"""«Did you mean»: the plausible neighbours of a misspelt id, by the names partners use.

A partner who means «1С:Бухгалтерия» writes ``buh``, ``buhgalteria`` or ``бух``, not a
typo of ``bp``; spelling alone would offer ``bgu`` (two letters in common). So each
candidate is known by its id and by the words of its name, in Cyrillic and in Latin
letters as Russians type them (``х`` as ``h`` or ``kh``), and what was written is compared
with each: the start of a word counts most, then similar spelling.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

#: Least score a candidate needs to be suggested at all.
_CUTOFF = 0.6
#: Candidates this close to the best one are suggested with it.
_TIE = 0.03
_MOST = 2
#: Shortest start of a word that counts as naming it (``бух`` for «Бухгалтерия»).
_SHORTEST_START = 3

_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
#: The other spellings Russians use for a few letters (passport style: «kh», «ts», «ia»).
_ALSO = {"х": "kh", "ц": "ts", "я": "ia", "ю": "iu", "й": "i", "щ": "shch", "ь": "'"}


def transliterations(word: str) -> set[str]:
    """``бухгалтерия`` → ``{buhgalteriya, bukhgalteriia, ...}``: how the word may be typed in Latin letters."""
    word = word.lower()
    plain = "".join(_LATIN.get(c, c) for c in word)
    other = "".join(_ALSO.get(c, _LATIN.get(c, c)) for c in word)
    return {plain, other}


def words(name: str) -> list[str]:
    """The words of a name a partner might type: «1С:Бухгалтерия КОРП» → бухгалтерия, корп."""
    return [w for w in re.split(r"[^\w]+", name.lower()) if w and w not in ("1с", "1c")]


def suggest(written: str, candidates: Mapping[str, Sequence[str]]) -> list[str]:
    """The ids of ``candidates`` (id → its names) that ``written`` most plausibly means, best first."""
    written = written.lower().strip()
    if not written:
        return []
    scores = {key: _score(written, key, names) for key, names in candidates.items()}
    best = max(scores.values(), default=0.0)
    if best < _CUTOFF:
        return []
    close = [key for key, score in scores.items() if score >= max(best - _TIE, _CUTOFF)]
    return sorted(close, key=lambda key: -scores[key])[:_MOST]


def _score(written: str, key: str, names: Sequence[str]) -> float:
    """How plausibly ``written`` means the candidate ``key`` known by ``names`` (1 is certain)."""
    latin = "".join(_LATIN.get(c, c) for c in written)
    best = max(_similar(written, key), _similar(latin, key))
    for name in names:
        name_words = words(name)
        for position, word in enumerate(name_words):
            # the first word of a short name says most: «бух» is «1С:Бухгалтерия» before «…государственного учреждения»
            penalty = 0.01 * position + 0.02 * (len(name_words) - 1)
            for form in {word} | transliterations(word):
                best = max(best, _word_score(written, form) - penalty, _word_score(latin, form) - penalty)
    return best


def _word_score(written: str, word: str) -> float:
    if len(written) >= _SHORTEST_START and word.startswith(written):
        return 0.95
    return _similar(written, word)


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()
