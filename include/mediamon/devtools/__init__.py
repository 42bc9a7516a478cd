"""The developer's environment, apart from the runtime: Airflow's env on the project's
database (`airflow`), the `dag.test()` runner and demo captures (`runner`), `make up`/`make
down` supervision (`stack`) and the synthetic captures of the benchmarks (`synth`).

Only the CLI, the tests and the benchmarks import this package; the DAGs, tasks, stages and
the plugin never do (tests/unit/test_layering.py keeps it so).
"""
