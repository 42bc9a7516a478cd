"""The Great Expectations context the suites of :mod:`mediamon.quality.checks` run in: its
validation store and Data Docs site on disk, the suites' checkpoints, and the bounds kept on
what is stored.

Validation results are kept under ``<data dir>/gx/validations`` and rendered as GX Data Docs
in ``<data dir>/data_docs/index.html`` (one page per suite and run; the latest
:data:`DATA_DOCS_KEEP_RUNS` runs per suite are kept, see :func:`prune_data_docs`). Great
Expectations is imported when a context is first made, not with this module (it takes
seconds).
"""

from __future__ import annotations

import html
import os
import shutil
from functools import cache
from pathlib import Path

DATA_DOCS_KEEP_RUNS = 30  # per suite: a month of daily runs in Data Docs


def build_data_docs_index(docs_dir: Path) -> Path | None:
    """Rebuild the Data Docs index (``docs_dir/data_docs/index.html``) over the stored results.

    The validate tasks render their own pages only: GX's index reads every stored result, so
    rebuilding it after each source-day batch made validation quadratic in the number of
    sources (measured: more than half of the validate stage over 62 sources). The run calls
    this once, at the end (``summarize``). Returns the index path, or None when nothing was
    validated under ``docs_dir``.
    """
    context = gx_context(str(docs_dir))
    keys = context.validation_results_store.list_keys()
    if not keys:
        return None
    newest = max(keys, key=lambda k: k.run_id.run_time)  # one page re-rendered, then the index
    context.build_data_docs(site_names=["mediamon"], resource_identifiers=[newest])
    return Path(docs_dir) / "data_docs" / "index.html"


def prune_data_docs(base_dir: Path, suites: list[str], keep_runs: int | None = None) -> int:
    """Bound the stored validation results and Data Docs pages of ``suites``; returns the
    number of results removed.

    Per suite, a run name keeps only its latest validation (re-running a day replaces it),
    and only the ``keep_runs`` greatest run names stay (default :data:`DATA_DOCS_KEEP_RUNS`,
    or ``MEDIAMON_DATA_DOCS_KEEP_RUNS``; run names are ``mediamon_daily_<YYYY-MM-DD>``, so
    these are the latest days, whatever order a backfill ran them in). The result JSON under
    ``gx/validations`` and its page under ``data_docs/validations`` go together, so the index
    (rebuilt from the results) never links a missing page.
    """
    if keep_runs is None:
        keep_runs = int(os.environ.get("MEDIAMON_DATA_DOCS_KEEP_RUNS", DATA_DOCS_KEEP_RUNS))
    removed = 0
    for suite in suites:
        parts = suite.split(".")
        results = base_dir.joinpath("gx", "validations", *parts)
        pages = base_dir.joinpath("data_docs", "validations", *parts)
        if not results.is_dir():
            continue
        drop: list[tuple[str, str]] = []
        runs = sorted((p for p in results.iterdir() if p.is_dir()), key=lambda p: p.name)
        for index, run in enumerate(runs):
            times = sorted(p.name for p in run.iterdir() if p.is_dir())
            if index < len(runs) - keep_runs:
                drop += [(run.name, t) for t in times]
            else:
                drop += [(run.name, t) for t in times[:-1]]
        for run_name, run_time in drop:
            for root in (results, pages):
                shutil.rmtree(root / run_name / run_time, ignore_errors=True)
                if (root / run_name).is_dir() and not any((root / run_name).iterdir()):
                    (root / run_name).rmdir()
            removed += 1
    return removed


DATA_DOCS_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)
"""The Content-Security-Policy Data Docs are served with: no script runs (GX pages render
their tables as static HTML; their CDN scripts and stylesheets are not loaded), and
``sandbox`` gives the page an opaque origin, so even markup that slipped through cannot
reach the Airflow UI's cookies or API."""


def escape_results(context, identifiers) -> int:
    """HTML-escape every string of the stored results of ``identifiers`` (the failing values
    GX prints: ``partial_unexpected_list``, ``unexpected_list``, counts...) before Data Docs
    render them: GX writes them into its pages unescaped, and they are scraped text (a
    byline ``<img src=x onerror=...>``). Returns how many results were rewritten."""
    store = context.validation_results_store
    for key in identifiers:
        validation = store.get(key)
        for expectation in validation.results:
            expectation.result = _escaped(expectation.result)
        store.set(key, validation)
    return len(identifiers)


def _escaped(value):
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    return value


_checkpoints: dict[tuple, tuple[str, object]] = {}  # (context, suite) -> (checks, checkpoint)


def suite_checkpoint(context, suite_name: str, checks: list) -> object:
    """The GX Checkpoint running ``checks`` (:class:`mediamon.quality.checks.Check`) as suite
    ``suite_name`` (created or updated).

    Kept per context and suite while the checks stay the same: registering a suite, its
    validation definition and checkpoint costs about as much as running it on a small batch.
    """
    key = (id(context), suite_name)
    signature = repr([(c.name, c.expectation, c.kwargs) for c in checks])
    if key not in _checkpoints or _checkpoints[key][0] != signature:
        _checkpoints[key] = (signature, _register(context, suite_name, checks))
    return _checkpoints[key][1]


def _register(context, suite_name: str, checks: list):
    import great_expectations as gx

    kind = suite_name.rsplit(".", 1)[-1]
    datasource = context.data_sources.get("mediamon")
    try:
        asset = datasource.get_asset(kind)
    except LookupError:
        asset = datasource.add_dataframe_asset(kind)
    try:
        batch = asset.get_batch_definition(kind)
    except (KeyError, LookupError):
        batch = asset.add_batch_definition_whole_dataframe(kind)
    suite = gx.ExpectationSuite(name=suite_name, expectations=[c.build() for c in checks])
    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite_name, data=batch, suite=suite)
    )
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=suite_name,
            validation_definitions=[definition],
            actions=[],
            result_format={"result_format": "COMPLETE"},
        )
    )


@cache
def gx_context(base_dir: str | None):
    """An ephemeral GX context; with ``base_dir``, validation results and the Data Docs site
    live on disk under it (``gx/validations``, ``data_docs``)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    )
    if base_dir:
        config.stores["validation_results_store"] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(Path(base_dir) / "gx" / "validations"),
            },
        }
        config.data_docs_sites = {
            "mediamon": {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(Path(base_dir) / "data_docs"),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        }
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.data_sources.add_pandas("mediamon")
    return context
