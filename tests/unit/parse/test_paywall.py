"""The paywall flag: declarations (JSON-LD, microdata, article:content_tier) and the markup of
paywall plugins set it, with the evidence; generic subscription banners and short free pages
do not."""

from datetime import UTC, datetime

import pytest
from mediamon.parse import parse_article
from support import make_source

FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
URL = "https://exclusive.kz/news/2024/09/08/tarify.html"
TEASER = (
    "Правительство обсудило новые тарифы на коммунальные услуги: с октября они вырастут "
    "в среднем на девять процентов."
)
FULL = "\n".join(
    f"<p>Абзац {i}: депутаты мажилиса обсудили поправки в бюджет и решили направить часть "
    "средств на ремонт школ и поликлиник в старых районах города.</p>"
    for i in range(8)
)


def page(head: str = "", body: str = "") -> bytes:
    return (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
        f"<title>Тарифы вырастут</title>{head}</head><body><article><h1>Тарифы вырастут</h1>"
        f"{body}</article></body></html>"
    ).encode()


def ld(**fields) -> str:
    import json

    node = {"@context": "https://schema.org", "@type": "NewsArticle",
            "headline": "Тарифы вырастут", **fields}  # fmt: skip
    return f'<script type="application/ld+json">{json.dumps(node)}</script>'


def parse(html: bytes) -> dict:
    return parse_article(html, URL, source=make_source(), fetched_at=FETCHED)


@pytest.mark.parametrize("value", [False, "False", "false"])
def test_jsonld_not_free_is_a_paywall_and_a_teaser_body_is_evidence(value):
    rec = parse(page(ld(isAccessibleForFree=value), f"<p>{TEASER}</p>"))
    assert rec["paywalled"] is True
    assert rec["paywall_evidence"] == [
        f"jsonld: isAccessibleForFree={value!r}",
        f"teaser: body {len(TEASER)} characters",
    ]
    assert rec["body_text"] == TEASER and rec["body_source"] is not None


def test_jsonld_paywalled_part_names_its_selector_and_a_full_body_is_no_teaser():
    part = {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".paywall"}
    rec = parse(page(ld(isAccessibleForFree=False, hasPart=part), FULL))
    assert rec["paywall_evidence"] == [
        "jsonld: isAccessibleForFree=False",
        "jsonld: hasPart .paywall not free",
    ]  # the text is served (metered, or shown to crawlers): no teaser note


@pytest.mark.parametrize(
    ("markup", "evidence"),
    [
        ('<div class="pmpro_content_message">Только для подписчиков.</div>',
         "markup: Paid Memberships Pro .pmpro_content_message"),
        ('<div class="leaky_paywall_message_wrap"><div>Подписка</div></div>',
         "markup: Leaky Paywall .leaky_paywall_message_wrap"),
        ('<div class="mp_wrapper"><div class="mepr-unauthorized-message">Нет доступа</div></div>',
         "markup: MemberPress .mepr-unauthorized-message"),
        ('<aside class="gh-post-upgrade-cta"><h2>This post is for subscribers only</h2></aside>',
         "markup: Ghost .gh-post-upgrade-cta"),
        ('<section subscriptions-section="content-not-granted">Подпишитесь</section>',
         "markup: amp-subscriptions section 'content-not-granted'"),
    ],
)  # fmt: skip
def test_paywall_plugin_markup_is_a_paywall(markup, evidence):
    rec = parse(page(body=f"<p>{TEASER}</p>{markup}"))
    assert rec["paywalled"] is True and rec["paywall_evidence"][0] == evidence
    assert rec["body_text"] == TEASER  # the plugin's "subscribe" box is not the text


def test_content_tier_locked_and_microdata_are_paywalls_metered_is_only_noted():
    locked = parse(page('<meta property="article:content_tier" content="locked">', FULL))
    assert locked["paywall_evidence"] == ["meta: article:content_tier=locked"]
    microdata = parse(page(body=f'<meta itemprop="isAccessibleForFree" content="false">{FULL}'))
    assert microdata["paywall_evidence"] == ["microdata: isAccessibleForFree=false"]
    metered = parse(page('<meta property="article:content_tier" content="metered">', FULL))
    assert metered["paywalled"] is False
    assert metered["paywall_evidence"] == ["meta: article:content_tier=metered (text served)"]


@pytest.mark.parametrize(
    "html",
    [
        page(ld(isAccessibleForFree=True), f"<p>{TEASER}</p>"),  # short and free
        page(body=f'{FULL}<div class="paywall-bar">Subscribe: 1 free article left</div>'),
        page('<meta property="article:content_tier" content="free">', FULL),
    ],
    ids=["short-free", "subscription-banner", "tier-free"],
)
def test_free_pages_are_not_paywalled(html):
    rec = parse(html)
    assert rec["paywalled"] is False and rec["paywall_evidence"] == []
