"""Keep credentials out of logs and error messages.

Database and notifier credentials come only from Airflow connections or environment
variables; whatever we log or raise about them goes through :func:`redact` first. Error
messages from libraries are the usual leak: psycopg2 repeats a malformed connection URI
whole (``invalid dsn: ... "postgresql://user:secret@..."``), requests names the URL of a
failing request, and a webhook URL (Slack, Mattermost) carries its token in the path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

MASK = "***"


def url_secrets(url: str | None) -> list[str]:
    """The parts of ``url`` that may be credentials: password, user info, path, query."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # a malformed URL: the whole text is the secret
        return [url]
    found = [url, password or "", parts.query]
    if parts.path not in ("", "/"):
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        found.append(parts.path)
    if "@" in parts.netloc:
        found.append(parts.netloc.rsplit("@", 1)[0])
    return found


def redact(text: str, *secrets: str | None, urls: tuple[str | None, ...] = ()) -> str:
    """``text`` with every non-empty ``secrets`` string and the credential parts of every
    URL in ``urls`` (:func:`url_secrets`) replaced by ``***``, longest first."""
    found = [s for s in secrets if s]
    for url in urls:
        found += url_secrets(url)
    for secret in sorted({s for s in found if len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def public_url(url: str) -> str:
    """``scheme://host[:port]/***``: enough to say which endpoint, none of its secrets."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    return f"{parts.scheme}://{host}{port}/{MASK}"


class _Redacting(logging.Filter):
    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message, *self.secrets)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry")


@contextmanager
def redacting(
    *secrets: str | None, urls: tuple[str | None, ...] = (), loggers=HTTP_LOGGERS
) -> Iterator[None]:
    """Mask ``secrets`` and the credentials of ``urls`` in what ``loggers`` log meanwhile
    (urllib3 logs each request line, path and query included, at DEBUG)."""
    found = [s for s in secrets if s]
    for url in urls:
        found += url_secrets(url)
    flt = _Redacting(found)
    targets = [logging.getLogger(name) for name in loggers]
    for logger in targets:
        logger.addFilter(flt)
    try:
        yield
    finally:
        for logger in targets:
            logger.removeFilter(flt)
