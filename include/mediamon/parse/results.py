"""What a headline-list parse returns, by the registry's selectors
(:func:`mediamon.parse.listing.parse_listing`) or without them
(:func:`mediamon.parse.blocks.find_headlines`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mediamon.records import Headline, Skipped


@dataclass
class ListingResult:
    """Result of a headline-list parse.

    ``headlines``: one dict per item that has a link, in page order. ``next_page_url``: the
    absolute URL of the next page of the list, or None. ``warnings``: items skipped and other
    problems that did not stop parsing. ``skipped``: items that could not become headlines, as
    ``{"position", "title", "reason"}`` dicts, so the caller can quarantine them.
    """

    headlines: list[Headline] = field(default_factory=list)
    next_page_url: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
