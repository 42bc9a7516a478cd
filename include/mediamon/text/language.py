"""Page language: the declared one when it fits the text, else a cheap script-based guess."""

from __future__ import annotations

import re
from functools import lru_cache

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


_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_LATIN_LETTER = re.compile("[A-Za-z]")
_KAZAKH_LETTER = re.compile(f"[{''.join(sorted(_KAZAKH_LETTERS))}]")
_ONLY_KAZAKH_LETTER = re.compile(f"[{''.join(sorted(_ONLY_KAZAKH))}]")


def _counts(text: str) -> tuple[int, int, int]:
    """(Cyrillic letters, Latin letters, Kazakh letters -- 0 when none of ә ұ occurs)."""
    cyr = len(_CYRILLIC_LETTER.findall(text))
    lat = len(_LATIN_LETTER.findall(text))
    if not cyr or not _ONLY_KAZAKH_LETTER.search(text):
        return cyr, lat, 0
    return cyr, lat, len(_KAZAKH_LETTER.findall(text))


# Kazakh in Latin script (the alphabets of 2018 and 2021: "Prezıdent shetel
# ınvestorlarymen kezdesti", "Qazaqstannyñ"): dotless ı with ǵ/ń (2018) or ñ/ū (2021). Turkish
# and Azerbaijani have ı but none of these; Polish has ń and Spanish ñ, but not ı.
_KAZAKH_LATIN_MARKS = frozenset("ǵńñūǴŃÑŪ")


def is_kazakh_latin(text: str) -> bool:
    """True for Kazakh written in the Latin alphabet: a dotless ``ı`` together with one of
    ǵ ń ñ ū, or two different of ǵ ń ū (the 2018 and 2021 alphabets, decrees of the
    President of Kazakhstan; py3langid knows Kazakh in Cyrillic only and answers "tk")."""
    marks = {ch.lower() for ch in text if ch in _KAZAKH_LATIN_MARKS}
    return bool(marks) and ("ı" in text or len(marks - {"ñ"}) >= 2)


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


_LIBRARY_MIN_PROBABILITY = 0.5
# A text in another script gets the library's answer only with this many letters and this
# confidence.
_MIN_OTHER_LETTERS = 20
_OTHER_SCRIPT_PROBABILITY = 0.7


@lru_cache(maxsize=1)
def _identifier():
    """py3langid's identifier, loaded once and restricted to the languages with an ISO 639-1
    (two-letter) code, Kazakh among them: its model also holds 3-letter varieties ("gug",
    "arz", "yue") that would win on short headlines and fit no ``language`` column. None when
    the library is not installed (then the script guess alone decides)."""
    try:
        from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    ident = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    ident.set_languages([code for code in ident.nb_classes if len(code) == 2])
    return ident


def identify(text: str) -> tuple[str, float] | None:
    """(ISO 639-1 code, probability) from py3langid, or None without the library/letters."""
    ident = _identifier()
    if ident is None or not any(ch.isalpha() for ch in text or ""):
        return None
    code, prob = ident.classify(text[:5000])
    return str(code), float(prob)


def guess_language(text: str) -> str | None:
    """The language of a text: Kazakh in Latin script (:func:`is_kazakh_latin`) or Cyrillic
    Kazakh-only letters decide "kk" (:func:`guess_from_script`);
    otherwise py3langid's answer when it is confident (>= 0.5) and fits the script (a
    Cyrillic text is never called Kazakh without Kazakh letters); else the script guess. A text
    in another script (20+ letters) gets py3langid's answer when fairly sure (>= 0.7)."""
    if is_kazakh_latin(text):
        return "kk"
    script = guess_from_script(text)
    if script is None:
        # neither Cyrillic nor Latin (Chinese, Arabic, Thai ...): the library alone, when sure
        found = identify(text) if sum(ch.isalpha() for ch in text) >= _MIN_OTHER_LETTERS else None
        return found[0] if found and found[1] >= _OTHER_SCRIPT_PROBABILITY else None
    if script == "kk":
        return script
    found = identify(text)
    if found is None or found[1] < _LIBRARY_MIN_PROBABILITY:
        return script
    code = found[0]
    cyr, lat, _ = _counts(text)
    if code == "kk" or (cyr >= lat) != (code in _CYRILLIC_LANGUAGES):
        return script
    return code


def detect_language(declared: list[str | None], text: str) -> str | None:
    """Language of a page as an ISO 639-1 code, or None when nothing can be said.

    ``declared`` are the page's declarations in order of trust (``<html lang>``,
    ``og:locale``, ``Content-Language``); the first valid one is used unless the text
    contradicts it: a Cyrillic-script code on a mostly Latin text or the reverse (a "lying"
    template), ``ru`` on a text full of Kazakh letters, or ``kk`` on a long Cyrillic text
    (200+ letters) without them: Kazakh prose of that length always uses some of
    ә ғ қ ң ө ұ ү һ і, so that is a Russian article in a Kazakh site's template. Then, and
    when nothing is declared, :func:`guess_from_script` decides.
    """
    code = next((c for c in map(normalize_code, declared) if c), None)
    cyr, lat, _ = _counts(text)
    mostly_cyrillic = cyr >= lat
    if code is not None and not _guess_matters(code, text, cyr, lat):
        return code  # (py3langid, the costly part, need not run)
    guess = guess_language(text)
    if code is None or guess is None:
        return code or guess
    if mostly_cyrillic and code not in _CYRILLIC_LANGUAGES:
        return guess
    if not mostly_cyrillic and code in _CYRILLIC_LANGUAGES and code not in _LATIN_LANGUAGES:
        return guess
    if guess == "kk" and (code == "ru" or is_kazakh_latin(text)):
        return "kk"
    if code == "kk" and guess == "ru" and cyr >= _MIN_RUSSIAN_ON_KAZAKH_PAGE:
        return "ru"  # a Russian article on a Kazakh-language site (template says "kk")
    return code


_MIN_RUSSIAN_ON_KAZAKH_PAGE = 200  # Cyrillic letters


def _guess_matters(code: str, text: str, cyr: int, lat: int) -> bool:
    """Whether :func:`guess_language` can change :func:`detect_language`'s answer for the
    declared ``code``: the script contradicts it, the text may be Kazakh (its letters, Latin
    Kazakh, too few letters to tell the script), or ``kk`` is declared on a long text."""
    if cyr >= lat and code not in _CYRILLIC_LANGUAGES:
        return True
    if cyr < lat and code in _CYRILLIC_LANGUAGES and code not in _LATIN_LANGUAGES:
        return True
    if code == "kk" and cyr >= _MIN_RUSSIAN_ON_KAZAKH_PAGE:
        return True
    return guess_from_script(text) in (None, "kk") or is_kazakh_latin(text)


# Letters of Kazakh Cyrillic that Russian lacks ("і" is shared with Ukrainian/Belarusian and
# counts only when py3langid also says Kazakh).
_KAZAKH_HINT = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_COMMON_KAZAKH_WORDS = frozenset(
    {"және", "мен", "бен", "пен", "үшін", "туралы", "жылы", "бойынша", "облысы", "облысында",
     "қала", "қаласы", "жаңа", "бір", "бұл", "деп", "кезінде", "арқылы"}
)  # fmt: skip


def detect_headline_language(
    text: str | None, languages: tuple[str, ...] | list[str] = ()
) -> str | None:
    """Language of a short headline (a few words, often mixed: Kazakh headlines quote Russian
    names and the reverse; Russian ones quote Latin brand names).

    Kazakh first, from its letters: Kazakh in Latin script (:func:`is_kazakh_latin`), or
    Cyrillic with a Kazakh-only letter (ә ғ қ ң ө ұ ү һ і)
    or a common Kazakh word is ``"kk"`` when the source publishes in Kazakh (``languages``
    empty means unknown: allowed) -- at least two such letters, or one in a headline of at
    most six words, so that one quoted place name ("Қонаев") does not make a long Russian
    headline Kazakh. Otherwise py3langid decides when confident (>= 0.9; "uk", "bg", "uz",
    "de" ...), except that it never says Kazakh; else Cyrillic is ``"ru"``, Latin ``"en"``.
    None without letters."""
    if not text:
        return None
    cyr, lat, _ = _counts(text)
    if cyr + lat == 0:
        found = identify(text)
        return found[0] if found and found[1] >= 0.9 else None
    kazakh_allowed = not languages or "kk" in languages
    if kazakh_allowed and is_kazakh_latin(text):
        return "kk"
    hints = sum(1 for ch in text if ch in _KAZAKH_HINT and ch not in "іІ")
    if "і" in text.casefold():
        # "і" is Ukrainian and Belarusian too: it counts only when the library agrees
        found = identify(text)
        hints += text.casefold().count("і") if found and found[0] == "kk" else 0
    if any(ch in "їєґЇЄҐўЎ" for ch in text):
        hints = 0  # Ukrainian / Belarusian / Uzbek letters Kazakh does not use
    words = {w.strip(".,:;!?«»\"'()").casefold() for w in text.split()}
    if (
        cyr
        and kazakh_allowed
        and (hints >= 2 or (hints == 1 and len(words) <= 6) or words & _COMMON_KAZAKH_WORDS)
    ):
        return "kk"
    found = identify(text)
    if found and found[1] >= 0.9 and found[0] != "kk":
        code = found[0]
        # a Cyrillic headline quoting Latin names stays Cyrillic, and the reverse
        if (code in _CYRILLIC_LANGUAGES) == (cyr > 0 and cyr >= lat / 2):
            return code
    return "ru" if cyr and cyr >= lat / 2 else "en"
