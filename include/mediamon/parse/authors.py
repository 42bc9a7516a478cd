"""Byline cleaning: from the raw strings pages print to a list of names and a status.

Pages put all sorts of things in the byline slot: several people ("A, B", "A и B"), labels
("Автор:", "By"), dates, profile URLs, photo credits, and organisations instead of people
("Редакция Exclusive", "Kazinform", "Staff"). :func:`clean_authors` keeps the names;
:func:`authors_status` tells a person byline from an editorial one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MONTHS = (
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
    r"|январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан"
)
_DATE_PATTERNS = [
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", re.I),
    re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"),
    re.compile(
        rf"(?:\b\d{{1,2}}\.?\s+)?\b(?:{_MONTHS})[^\W\d_]*\.?\s*(?:\d{{1,2}}(?!\d))?,?\s*\d{{4}}"
        r"(?:\s*(?:г\.|года|ж\.|жылы))?",
        re.I,
    ),
    re.compile(rf"\b(?:{_MONTHS})[^\W\d_]*\.?\s+\d{{1,2}}(?!\d)", re.I),
    re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})[^\W\d_]*\b", re.I),
    re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b"),
    re.compile(r"\b(?:сегодня|вчера|позавчера|today|yesterday|бүгін|кеше)\b", re.I),
]
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_EMAIL_WITH_NAME = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+\s*\(([^)]*)\)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_LABELS = re.compile(
    r"^(?:автор(?:ы)?(?:\s+(?:материала|сюжета|текста|статьи))?|текст|подготовил[аи]?"
    r"|материал\s+подготовил[аи]?|avtor|daiyndağan"
    r"|авторы|автор|редактор|корреспондент|written\s+by|posted\s+by|by|from|par|von|por|от"
    r"|авторлар|авторы|мәтін|дайындаған|reporting\s+by|words\s+by|story\s+by"
    r"|last\s+updated|updated|published|обновлено|опубликовано|жарияланды"
    r"|more(?:\s+(?:from|by|stories\s+by))?|все\s+материалы(?:\s+автора)?)\b\s*:?\s*",
    re.I,
)
_LEADING_CONNECTOR = re.compile(r"^(?:and|и|және|та|і|&|und|et|y|e|og|och)\s+")
# A preposition left dangling where a date was cut out: "Moritz Gathmann am", "Иван Петров от".
_TRAILING_PREPOSITION = re.compile(r"\s+(?:am|on|le|den|el|at|в|от|updated|обновлено)$", re.I)
_SPLIT = re.compile(
    r"\s*[,;|\n/]\s*(?=\S)|\s+(?:и|and|AND|And|&|және|та|і)\s+|\s+(?-i:und|et|y|e|og|och)\s+"
    r"|\s+(?:im\s+gespräch\s+mit|in\s+conversation\s+with|в\s+беседе\s+с|в\s+разговоре\s+с)\s+",
    re.I,
)
# "Posted by A, B and C - Chrome Safe Browsing team", "Иван Петров — корреспондент": what
# follows a spaced dash after the names is a team, role or outlet, not another person.
_AFFILIATION = re.compile(r"(?<=\w)\s+[-—–]\s+(?=\w)")
_SUFFIXES = frozenset({"phd", "md", "jr", "sr", "ii", "iii", "mba", "msc", "ph.d"})
_JUNK = frozenset(
    {"username", "user", "submitted", "guest", "гость", "anonymous", "аноним", "admin",
     "administrator", "администратор", "unknown", "null", "none",
     # navigation words that sit next to bylines in page chrome
     "главная", "новости", "все новости", "home", "menu", "меню", "подписаться", "subscribe",
     "читать далее", "читать также", "read more", "комментарии", "comments", "поделиться",
     "share", "басты бет", "жаңалықтар", "толығырақ", "next", "previous", "назад", "далее"}
)  # fmt: skip
# A sidebar / "latest news" item: "2 часа назад · Имя Фамилия", "5 minutes ago", "2 сағат бұрын".
_RELATIVE_TIME = re.compile(
    r"\b(?:\d+\s+)?(?:секунд|минут|час|дн|день|недел|месяц|second|minute|hour|day|week|month"
    r"|сағат|минут|күн|апта|ай)[^\W\d_]*\s+(?:назад|ago|бұрын)\b",
    re.I,
)
# Credits for other roles: a piece starting with one is not an author ("Фото: Иван Петров");
# printed after the author's name ("Нурлан Ермеков Фото: Айдос Касымов") they start a new piece.
_CREDIT_WORDS = (
    r"фото|photo|фотограф[^\W\d_]*|иллюстрац[^\W\d_]*|видео|video|инфографик[^\W\d_]*"
    r"|оператор|монтаж|сурет[^\W\d_]*|бейне[^\W\d_]*|суретші|фотосурет[^\W\d_]*"
)
_PHOTO = re.compile(rf"^(?:{_CREDIT_WORDS})\b", re.I)
# A job title printed after the name ("Timur Abenov, Senior Reporter", "Иван Петров,
# обозреватель"): a piece made only of such words is a role, not a person.
_ROLE = re.compile(
    r"(?i)^(?:(?:senior|chief|staff|special|political|business|deputy|managing|executive|"
    r"старший|главный|специальный|собственный|шеф-|бас|арнайы)\s*)*(?:reporter|correspondent|"
    r"editor|writer|columnist|contributor|journalist|корреспондент|редактор|обозреватель"
    r"|журналист|колумнист|спецкор|тілші|редакторы|шолушы)(?:\s+[^\W\d_]+){0,2}$"
)
_CREDIT_AFTER_NAME = re.compile(rf"\s+(?=(?:{_CREDIT_WORDS})\s*:)", re.I)
# "Текст и фото: Иван Петров", "Мәтін және фото:": one person credited for both roles.
_TEXT_AND_CREDIT = re.compile(
    rf"^\s*(?:текст|автор|мәтін|text|words)\s+(?:и|және|and|&)\s+(?:{_CREDIT_WORDS})\s*:",
    re.I,
)
# Share buttons printed right after a byline: "Дина Ж. Поделиться в соцсетях FB TG".
_SHARE_TRAIL = re.compile(
    r"\s+(?:поделиться|бөлісу|share(?:\s+(?:this|on))?|рассказать\s+друзьям)\b.*$",
    re.I | re.S,
)
# A date line printed after the names: "Von A, Sender Stand: 28. April 2023, 05:00 Uhr".
_DATE_LINE_AFTER = re.compile(
    r"(?<=\S)(?<![Ll]ast)\s+(?:stand|aktualisiert|veröffentlicht|updated|published|обновлено|опубликовано"
    r"|жарияланды)\s*:.*$",
    re.I | re.S,
)
_STRIP = " \t\r\n-–—|:·•,;()[]«»\"'"
_MAX_NAME_LENGTH = 80
_MAX_NAME_WORDS = 8

# Organisation bylines: editorial staff, press services, news agencies, outlets themselves.
_ORG_SUBSTRINGS = (
    "редакци",
    "пресс-служб",
    "пресс служб",
    "баспасөз қызмет",
    "агентств",
    "агенттіг",
    "newsroom",
    "news service",
    "editorial",
    "press service",
    "agency",
    "kazinform",
    "казинформ",
    "қазинформ",
    "қазақпарат",
    "kazakhstan today",
    "kaztag",
    "казтаг",
    "interfax",
    "интерфакс",
    "риа новости",
    "ria novosti",
    "reuters",
    "рейтер",
    "associated press",
    "bloomberg",
    "xinhua",
    "синьхуа",
    "sputnik",
    "спутник",
    "regnum",
    "новости-казахстан",
    "tengrinews",
    "informburo",
    "ukrinform",
    "укринформ",
    "укрінформ",
)
_ORG_WORDS = re.compile(
    r"\b(?:staff|wire|тасс|tass|ap|afp|dpa|bbc|cnn|news"
    r"|новости|жаңалықтар)\b",
    re.I,
)
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.I)


def _clean_piece(piece: str) -> str:
    piece = " ".join(piece.split()).strip(_STRIP)
    for _ in range(3):
        stripped = _LEADING_CONNECTOR.sub("", _LABELS.sub("", piece)).strip(_STRIP)
        stripped = _TRAILING_PREPOSITION.sub("", stripped).strip(_STRIP)
        if stripped == piece:
            break
        piece = stripped
    return piece.rstrip(" .") if piece.endswith(".") and not piece.endswith("..") else piece


def _fix_caps(name: str) -> str:
    """ "ABBY EXAMPLE" -> "Abby Example"; acronyms of organisations ("ТАСС", "AFP") stay."""
    letters = [ch for ch in name if ch.isalpha()]
    if len(letters) < 2 or not all(ch.isupper() for ch in letters) or is_organisation(name):
        return name
    if len(name.split()) == 1 and len(letters) <= 4:
        return name  # a short single upper-case word is more likely an acronym
    return name.title()


def clean_authors(raw: str | Iterable[str] | None) -> list[str]:
    """Clean one raw byline string (or several) into a list of names, in order, deduplicated.

    Steps: whitespace collapsed; ``email (Name)`` becomes ``Name``; e-mail addresses, URLs
    (``http(s)://``, ``www.``), dates (ISO, numeric, English/Russian/Kazakh month names) and
    clock times are removed; the string is split on ``,`` ``;`` ``|`` ``/`` line breaks and the
    words "и", "and", "&", "және", "та", "і" and, in lower case only, "und", "et", "y", "e",
    "og", "och" ("Von A und B", "Por A y B"), after cutting off what follows a spaced dash ("A
    and B - Safe Browsing team", "Иван Петров — корреспондент") or a share-button label
    ("Поделиться", "Бөлісу", "Share") or a labelled date line ("Stand: ...", "Updated: ..."),
    and before another role's credit ("Иван Петров Фото:
    Айдос Касымов" gives the author only; "Текст и фото: Иван Петров" keeps him); a dateline
    after the names ("Von Seb Dumitru, Lille") is dropped; labels such as
    "Автор:", "Авторы:", "Текст:", "By", "Written by", "Updated" are stripped from each piece.
    Pieces that are empty, have no letter, are degree suffixes ("PhD"), photo/video credits,
    longer than 80 characters or 8 words are dropped, and so are navigation words ("Главная",
    "Read more"). A raw string holding a relative time ("2 часа назад · Имя Фамилия", "5 minutes
    ago", "2 сағат бұрын") is a "latest news" sidebar item and gives no name at all. A name in
    ALL CAPS becomes title case ("JOHN DOE" -> "John Doe") unless it is an organisation or a
    short acronym. Labels are stripped only as whole words ("By", "от": "Bystrov", "Федот"
    stay). Organisation names are kept (see :func:`authors_status`, :func:`byline_kind`).
    Never raises; None gives [].
    """
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    names: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not item:
            continue
        text = str(item).replace("\u00a0", " ")
        if _RELATIVE_TIME.search(text):
            continue  # a "latest news" item, not a byline
        text = _TEXT_AND_CREDIT.sub("Автор:", text)
        text = _SHARE_TRAIL.sub("", text)
        text = _DATE_LINE_AFTER.sub("", text)
        text = _CREDIT_AFTER_NAME.sub("\n", text)
        text = _EMAIL_WITH_NAME.sub(r"\1", text)
        text = _EMAIL.sub(" ", text)
        text = _URL.sub(" ", text)
        for pattern in _DATE_PATTERNS:
            text = pattern.sub(" ", text)
        text = _AFFILIATION.split(text, maxsplit=1)[0] if _AFFILIATION.search(text) else text
        pieces = _SPLIT.split(text)
        if _ends_in_dateline(pieces, _SPLIT.findall(text)):
            pieces.pop()
        for piece in pieces:
            name = _clean_piece(piece)
            if not name or not any(ch.isalpha() for ch in name):
                continue
            low = name.lower().strip(".")
            if low in _SUFFIXES or low in _JUNK or _PHOTO.match(name) or _ROLE.match(name):
                continue
            if len(name) > _MAX_NAME_LENGTH or len(name.split()) > _MAX_NAME_WORDS:
                continue
            name = _fix_caps(name)
            key = name.casefold()
            if key not in seen:
                seen.add(key)
                names.append(name)
    return names


# One capitalised word, perhaps hyphenated ("Lille", "Baden-Baden", "Алматы"): a place.
_PLACE = re.compile(r"[^\W\d_][^\W\d_]+(?:-[^\W\d_]+)*")


def _ends_in_dateline(pieces: list[str], separators: list[str]) -> bool:
    """True when the last of a byline's ``pieces`` is the dateline printed after the names
    ("Von Seb Dumitru, Lille", "Anna Martel, Lea Wagner, Nairobi"): it follows a comma, is
    one capitalised word (not in capitals) that names no organisation, and a name of two
    words or more comes before it ("Doe, John" is a name in reverse, not a dateline)."""
    if len(pieces) < 2 or separators[-1].strip() != ",":
        return False
    last = _clean_piece(pieces[-1])
    if not _PLACE.fullmatch(last) or not last[0].isupper() or last.isupper():
        return False
    if last.casefold() in _SUFFIXES or name_kind(last) != "person":
        return False
    return any(len(_clean_piece(p).split()) >= 2 for p in pieces[:-1])


_AGENCY_SUBSTRINGS = (
    "агентств", "агенттіг", "agency", "kazinform", "казинформ", "қазинформ", "қазақпарат",
    "kazakhstan today", "kaztag", "казтаг", "interfax", "интерфакс", "риа новости",
    "ria novosti", "reuters", "рейтер", "associated press", "bloomberg", "xinhua", "синьхуа",
    "sputnik", "спутник", "regnum", "новости-казахстан", "ukrinform", "укринформ", "укрінформ",
    "итар-тасс", "ria ",
)  # fmt: skip
_AGENCY_WORDS = re.compile(r"\b(?:тасс|tass|ap|afp|dpa|ians|pti|efe|ansa|kyodo)\b", re.I)
_PRESS_SERVICE = re.compile(
    r"пресс[- ]?служб|пресс[- ]?центр|баспасөз\s+қызмет|баспасөз\s+орталығ"
    r"|press\s+(?:service|office)|\bpress\s+release|пресс[- ]?релиз",
    re.I,
)

BYLINE_KINDS = ("person", "editorial", "agency", "press_service")


def name_kind(name: str, organisations: Iterable[str] = ()) -> str:
    """Kind of one byline name: ``"press_service"`` (пресс-служба, баспасөз қызметі, press
    office), ``"agency"`` (a news agency: Kazinform, ТАСС, РИА Новости, Reuters, AFP ...),
    ``"editorial"`` (the newsroom or outlet itself: "Редакция Exclusive", "Staff", a domain,
    a name in ``organisations``), else ``"person"``."""
    if _PRESS_SERVICE.search(name):
        return "press_service"
    low = name.casefold()
    if any(s in low for s in _AGENCY_SUBSTRINGS) or _AGENCY_WORDS.search(name):
        return "agency"
    orgs = {o.casefold() for o in organisations}
    if low in orgs or is_organisation(name):
        return "editorial"
    return "person"


def byline_kind(names: list[str], organisations: Iterable[str] = ()) -> str | None:
    """Kind of a whole byline: None without names; ``"person"`` when any name is a person;
    else the kind of the first name (agency, press_service or editorial)."""
    if not names:
        return None
    kinds = [name_kind(n, organisations) for n in names]
    return "person" if "person" in kinds else kinds[0]


def is_organisation(name: str) -> bool:
    """True when ``name`` names an organisation rather than a person.

    Rules: an editorial/press-service word ("Редакция", "пресс-служба", "Staff",
    "Newsroom"), a known news agency or outlet (Kazinform, ТАСС, РИА Новости, Reuters, AP,
    AFP, Interfax, Xinhua, BBC, CNN, Tengrinews ...), or a bare domain name ("exclusive.kz").
    """
    low = name.casefold()
    if any(s in low for s in _ORG_SUBSTRINGS) or _PRESS_SERVICE.search(name):
        return True
    if _ORG_WORDS.search(name):
        return True
    return bool(_DOMAIN.match(name.strip()))


def authors_status(names: list[str], organisations: Iterable[str] = ()) -> str:
    """``"absent"`` for no names, ``"editorial"`` when every name is an organisation
    (:func:`is_organisation`, or listed in ``organisations``, e.g. JSON-LD authors typed
    ``Organization``), else ``"present"``."""
    if not names:
        return "absent"
    orgs = {o.casefold() for o in organisations}
    if all(n.casefold() in orgs or is_organisation(n) for n in names):
        return "editorial"
    return "present"
