"""mediamon: media monitoring for Kazakhstan news outlets.

Stages (one module each, data flowing one way): :mod:`mediamon.fetch` (discover and fetch into
a raw WARC store), :mod:`mediamon.parse` (records), :mod:`mediamon.quality` (Great Expectations
checks and quarantine), :mod:`mediamon.load` (PostgreSQL). :mod:`mediamon.pipeline` chains them
per source and local day; the Airflow DAGs and the CLI only call it.
"""

__version__ = "0.1.0"
