"""Alerts: drift alarms and failed runs, to the log and, when configured, a webhook.

The channel is the Airflow connection ``mediamon_alerts`` (off when it does not exist), an HTTP
connection naming the webhook, in JSON form (the URL in its extra) or URI form::

    AIRFLOW_CONN_MEDIAMON_ALERTS='{"conn_type": "http", "extra": {"url": "https://hooks.example/T0"}}'
    AIRFLOW_CONN_MEDIAMON_ALERTS='https://hooks.example/T0'

The webhook URL is a credential (Slack-style URLs carry their token in the path): a failure
is logged with the host only and the error text masked (:mod:`mediamon.redact`).

Each alert is POSTed as JSON ``{"text": ...}`` (the shape Slack- and Mattermost-style incoming
webhooks accept) with a 10-second timeout. A failing channel is logged, never raised: an alert
must not fail the run it reports on.
"""

from __future__ import annotations

import logging

import requests
from airflow.sdk import BaseNotifier

from mediamon.redact import public_url, redact, redacting

CONN_ID = "mediamon_alerts"
TIMEOUT_S = 10
log = logging.getLogger(__name__)


def webhook_url() -> str | None:
    """The webhook URL of the ``mediamon_alerts`` connection, or None (alerts only logged)."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = Connection.get(CONN_ID)
    except AirflowNotFoundException:
        return None
    url = conn.extra_dejson.get("url")
    if url:
        return url
    if conn.host:  # URI form: AIRFLOW_CONN_MEDIAMON_ALERTS='https://hooks.example/T0'
        scheme = conn.conn_type if conn.conn_type in ("http", "https") else "https"
        port = f":{conn.port}" if conn.port else ""
        return f"{scheme}://{conn.host}{port}/{conn.schema or ''}"
    log.warning("connection %s has no webhook URL (extra.url or host): alerts only logged", CONN_ID)
    return None


def send_alert(text: str) -> bool:
    """Log ``text`` as a warning and POST it to the webhook if one is configured.

    Returns True when a webhook accepted it (2xx), False otherwise (none configured, or it
    failed: the failure is logged).
    """
    log.warning("ALERT: %s", text)
    url = webhook_url()
    if not url:
        return False
    try:
        with redacting(urls=(url,)):
            response = requests.post(url, json={"text": text}, timeout=TIMEOUT_S)
        response.raise_for_status()
    except requests.RequestException as exc:
        # the URL is the credential (a token in its path, user info, query): never logged
        why = redact(f"{type(exc).__name__}: {exc}", urls=(url,))
    else:
        return True
    # logged outside the handler: a failing log handler prints the exception being handled
    log.error("alert webhook %s failed: %s", public_url(url), why)
    return False


class FailureNotifier(BaseNotifier):
    """An Airflow notifier for ``on_failure_callback``: names the DAG, run and task."""

    def notify(self, context) -> None:
        ti = context.get("ti") or context.get("task_instance")
        task = getattr(ti, "task_id", "?")
        run = context.get("run_id") or getattr(context.get("dag_run"), "run_id", "?")
        dag = getattr(context.get("dag"), "dag_id", "mediamon")
        send_alert(f"{dag} {run}: task {task} failed")
