"""Page language: the declared one when it fits the text, else a cheap script-based guess."""

from __future__ import annotations

import re

# Letters used by Kazakh but not by Russian. "і" is left out: Ukrainian and Belarusian use it.
_KAZAKH_LETTERS = frozenset("әғқңөұүһӘҒҚҢӨҰҮҺ")
# Of those, the ones Uzbek, Tajik and Kyrgyz Cyrillic lack (ғ қ are Uzbek too, ү ң Kyrgyz).
_ONLY_KAZAKH = frozenset("әұӘҰ")
_CYRILLIC_LANGUAGES = frozenset({"ru", "kk", "uk", "be", "bg", "sr", "mk", "ky", "tg", "mn", "uz"})
_LATIN_LANGUAGES = frozenset(
    {"en", "de", "fr", "es", "pt", "it", "nl", "pl", "cs", "sk", "lv", "lt", "et", "fi", "sv",
     "da", "no", "nb", "tr", "ro", "hu", "hr", "sl", "id", "ms", "vi", "az", "uz", "kk", "sr"}
)  # fmt: skip
_ALIASES = {"kz": "kk", "ua": "uk", "by": "be", "iw": "he", "in": "id"}
_CODE = re.compile(r"^([A-Za-z]{2,3})(?:[-_].*)?$")
_MIN_LETTERS = 40
_KAZAKH_SHARE = 0.02


def normalize_code(value: str | None) -> str | None:
    """ISO 639-1 code from a declaration such as ``ru-RU``, ``kk_KZ`` or ``kz``; else None."""
    if not value:
        return None
    m = _CODE.match(value.strip().split(",")[0].strip())
    if not m:
        return None
    code = m[1].lower()
    code = _ALIASES.get(code, code)
    return code if len(code) == 2 else None


def _counts(text: str) -> tuple[int, int, int]:
    """(Cyrillic letters, Latin letters, Kazakh letters -- 0 when none of ә ұ occurs)."""
    cyr = lat = kaz = 0
    only_kazakh = False
    for ch in text:
        if "\u0400" <= ch <= "\u04ff":
            cyr += 1
            if ch in _KAZAKH_LETTERS:
                kaz += 1
                only_kazakh = only_kazakh or ch in _ONLY_KAZAKH
        elif ch.isascii() and ch.isalpha():
            lat += 1
    return cyr, lat, kaz if only_kazakh else 0


def guess_from_script(text: str) -> str | None:
    """Script guess: Cyrillic with Kazakh letters (ә ғ қ ң ө ұ ү һ, at least 2% of the
    Cyrillic letters, ә or ұ among them so that Uzbek/Kyrgyz Cyrillic is not taken for
    Kazakh) is ``"kk"``, other Cyrillic ``"ru"``, Latin ``"en"``; None when the text has
    fewer than 40 Cyrillic/Latin letters."""
    cyr, lat, kaz = _counts(text or "")
    if cyr + lat < _MIN_LETTERS:
        return None
    if cyr >= lat:
        return "kk" if kaz >= _KAZAKH_SHARE * cyr else "ru"
    return "en"


def detect_language(declared: list[str | None], text: str) -> str | None:
    """Language of a page as an ISO 639-1 code, or None when nothing can be said.

    ``declared`` are the page's declarations in order of trust (``<html lang>``,
    ``og:locale``, ``Content-Language``); the first valid one is used unless the text
    contradicts it: a Cyrillic-script code on a mostly Latin text or the reverse (a "lying"
    template), or ``ru`` on a text full of Kazakh letters. Then, and when nothing is declared,
    :func:`guess_from_script` decides.
    """
    code = next((c for c in map(normalize_code, declared) if c), None)
    guess = guess_from_script(text)
    if code is None or guess is None:
        return code or guess
    cyr, lat, _ = _counts(text)
    mostly_cyrillic = cyr >= lat
    if mostly_cyrillic and code not in _CYRILLIC_LANGUAGES:
        return guess
    if not mostly_cyrillic and code in _CYRILLIC_LANGUAGES and code not in _LATIN_LANGUAGES:
        return guess
    if code == "ru" and guess == "kk":
        return "kk"
    return code
