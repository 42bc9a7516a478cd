"""Is the article behind a paywall? The page's own declarations and the markup paywall plugins
print where they withhold the text, with the evidence for each.

A page is ``paywalled`` when it says so in one of these ways (each rule and where it comes
from):

==================  ==========================================================================
evidence            rule (source)
==================  ==========================================================================
jsonld              the schema.org article object has ``isAccessibleForFree`` false (``false``,
                    ``"False"``, ``"false"``, ``"no"``), on the object or on a ``hasPart``
                    WebPageElement; the part's ``cssSelector`` is named in the evidence
                    (Google Search Central, "Structured data for subscription and paywalled
                    content", developers.google.com/search/docs/appearance/structured-data/
                    paywalled-content)
microdata           ``<meta itemprop="isAccessibleForFree" content="false">`` (same page:
                    microdata is the other accepted format)
meta                ``<meta property="article:content_tier" content="locked">`` (Facebook's
                    Open Graph article tier: free, metered, locked; "metered" is noted, not a
                    paywall: the text is served)
markup              an element a paywall plugin prints only where it withholds the text:
                    ``subscriptions-section`` attribute (AMP ``amp-subscriptions``,
                    ampproject/amphtml extensions/amp-subscriptions/amp-subscriptions.md);
                    ``.leaky_paywall_message_wrap`` (Leaky Paywall for WordPress,
                    zeen101/leaky-paywall, js/leaky-paywall-cookie.js);
                    ``.pmpro_content_message`` (Paid Memberships Pro,
                    strangerstudios/paid-memberships-pro, includes/content.php);
                    ``.mepr-unauthorized-message`` (MemberPress, its ``mepr-unauthorized-
                    message`` filter and block); ``.gh-post-upgrade-cta`` (Ghost's members-
                    only call to action, TryGhost/Casper)
==================  ==========================================================================

A short body is evidence too (``teaser: body N characters``) but never a paywall on its own:
many free pages are short, and the quality suite must still catch an extraction that lost
the text. Generic class names (``paywall``, ``paywall-bar``, ``premium``) are not rules:
free articles print them in subscription banners (the real wired.com page of the shared
fixtures has ``paywall-bar`` on a free story).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from mediamon.parse.article.page import Page

TEASER_MAX_CHARS = 800
"""A paywalled page's body under this many characters is its teaser (a lead paragraph or
two); the evidence says so."""

_FALSE = {"false", "no", "0"}
# class tokens of paywall plugins' "this text is withheld" elements (module docstring)
_PLUGIN_CLASSES = {
    "leaky_paywall_message_wrap": "Leaky Paywall",
    "pmpro_content_message": "Paid Memberships Pro",
    "mepr-unauthorized-message": "MemberPress",
    "gh-post-upgrade-cta": "Ghost",
}
# the page's markup is searched only when its text names one of them (most pages: none)
_HINTS = ("subscriptions-section", "isAccessibleForFree", *_PLUGIN_CLASSES)
# one pass over the tree: plain substring tests (cheap), the class token checked after
_CANDIDATES = etree.XPath(
    "//*[@subscriptions-section or @itemprop='isAccessibleForFree' or "
    + " or ".join(f"contains(@class, '{name}')" for name in _PLUGIN_CLASSES)
    + "]"
)


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in _FALSE)


def _jsonld(ld: dict) -> list[str]:
    found = []
    if _is_false(ld.get("isAccessibleForFree")):
        found.append(f"jsonld: isAccessibleForFree={ld['isAccessibleForFree']!r}")
    parts = ld.get("hasPart")
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, dict) and _is_false(part.get("isAccessibleForFree")):
            found.append(f"jsonld: hasPart {part.get('cssSelector') or '(no selector)'} not free")
    return found


def strip_paywall_markup(page: Page) -> list[str]:
    """Remove from ``page``'s tree the paywall plugins' elements of the module's table (their
    "subscribe to read" text is not the article's), before the body is extracted; returns
    the evidence of the page's markup, one entry per kind, in page order ("markup: Ghost
    .gh-post-upgrade-cta", "microdata: isAccessibleForFree=false"). An AMP
    ``subscriptions-section="content"`` element is the premium text itself: noted, kept."""
    found, removed = [], False
    if not any(hint in page.html for hint in _HINTS):  # str.__contains__: fast
        return found
    for el in _CANDIDATES(page.root)[:20]:
        section = el.get("subscriptions-section")
        name = next((c for c in str(el.get("class") or "").split() if c in _PLUGIN_CLASSES), None)
        if section is not None:
            found.append(f"markup: amp-subscriptions section {section!r}")
            if section == "content":
                continue
        elif name is not None:
            found.append(f"markup: {_PLUGIN_CLASSES[name]} .{name}")
        else:  # itemprop=isAccessibleForFree (kept), or a longer class name holding a plugin's
            if el.get("itemprop") == "isAccessibleForFree" and _is_false(
                el.get("content") or el.text_content()
            ):
                found.append("microdata: isAccessibleForFree=false")
            continue
        removed = _remove(el) or removed
    if removed:  # trafilatura reads the markup, not the tree: give it the page without them
        page.tree_changed()
        page.html = etree.tostring(page.root, encoding="unicode", method="html")
    return list(dict.fromkeys(found))


def _remove(el) -> bool:
    """Take ``el`` out of its tree, keeping the text that follows it (its tail); False when
    it has no parent (the root)."""
    parent = el.getparent()
    if parent is None:
        return False
    if el.tail:
        before = el.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
    return True


def find_paywall(page: Page, body_text: str, markup: list[str]) -> tuple[bool, list[str]]:
    """(paywalled, evidence) of ``page`` whose extracted body is ``body_text``; ``markup``:
    what :func:`strip_paywall_markup` found before the body was extracted.

    ``paywalled`` is True when a declaration or plugin markup of the module's table says the
    text is withheld; ``evidence`` lists what was seen, in rule order ("jsonld:
    isAccessibleForFree=False", "meta: article:content_tier=locked", "markup: Paid
    Memberships Pro .pmpro_content_message", "teaser: body 312 characters"); empty for a
    free page. Raises nothing.
    """
    evidence = _jsonld(page.ld)
    tier = str(page.meta.get("article:content_tier") or "").strip().lower()
    if tier == "locked":
        evidence.append("meta: article:content_tier=locked")
    evidence += markup  # microdata and plugins' markup
    paywalled = bool(evidence)
    if tier == "metered":
        evidence.append("meta: article:content_tier=metered (text served)")
    if paywalled and len(body_text) < TEASER_MAX_CHARS:
        evidence.append(f"teaser: body {len(body_text)} characters")
    return paywalled, evidence
