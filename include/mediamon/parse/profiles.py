"""Site profiles: CSS selectors for outlets whose pages generic extraction gets wrong.

One YAML file per outlet in ``site_profiles/``, keyed by host::

    hosts: [nur.kz, www.nur.kz]            # exact hosts the profile applies to
    site_names: [NUR.KZ]                   # the outlet's names: cut from titles, editorial bylines
    article: {title: "...", byline: "...", date: "...", body: "...", section: "..."}

A registry entry's own ``article:`` selectors win over the packaged profile; the profile is
used when the entry has none. Rules are per host, never per page. A profile is packaged only
for an outlet a real saved page proves (nur.kz); a fictional site's selectors (the demo's
``exclusive.kz.example``) belong in its own registry's ``article:``, never here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

PROFILES_DIR = Path(__file__).with_name("site_profiles")
SELECTOR_KEYS = ("title", "byline", "date", "body", "section")


class ProfileError(ValueError):
    """A site profile file that cannot be used (names the file and the field)."""


@lru_cache(maxsize=1)
def load_profiles(folder: str | None = None) -> dict[str, dict]:
    """Every profile of ``folder`` (default: the packaged ones) by host."""
    by_host: dict[str, dict] = {}
    for path in sorted(Path(folder or PROFILES_DIR).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        hosts = data.get("hosts")
        article = data.get("article") or {}
        if not isinstance(hosts, list) or not hosts:
            raise ProfileError(f"{path.name}: hosts must be a non-empty list")
        if not isinstance(article, dict) or set(article) - set(SELECTOR_KEYS):
            raise ProfileError(f"{path.name}: article keys must be among {SELECTOR_KEYS}")
        profile = {
            "name": path.stem,
            "site_names": [str(n) for n in data.get("site_names") or []],
            "article": {k: str(v) for k, v in article.items() if v},
        }
        for host in hosts:
            by_host[str(host).lower()] = profile
    return by_host


def profile_for(url: str) -> dict | None:
    """The packaged profile for ``url``'s host, or None."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # a URL urllib cannot split has no profile
        return None
    return load_profiles().get(host)
