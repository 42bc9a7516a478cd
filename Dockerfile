# mediamon Airflow image: the official Apache Airflow image plus the `mediamon`
# package (include/) installed in editable mode, pinned by constraints.txt.
#
#   docker compose build
#   docker build --build-arg AIRFLOW_VERSION=3.3.2 -t mediamon-airflow:3.3.2 .
#
# AIRFLOW_VERSION must agree with the apache-airflow pin in pyproject.toml and
# constraints.txt: the install below fails loudly rather than silently
# replacing the Airflow that the base image ships.
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

# ARGs declared before FROM are not visible after it.
ARG AIRFLOW_VERSION

# Mount points of the compose named volumes. A new named volume takes the owner
# and mode of the image directory it is mounted on, so these are owned by
# airflow and writable by group 0: the image may run with any UID (AIRFLOW_UID)
# as long as the GID is 0.
USER root
RUN mkdir -p /opt/airflow/var /opt/airflow/logs \
    && chown airflow:0 /opt/airflow/var /opt/airflow/logs \
    && chmod 775 /opt/airflow/var /opt/airflow/logs
USER airflow

WORKDIR /opt/airflow
ENV MEDIAMON_DATA_DIR=/opt/airflow/var

# The project sits at /opt/airflow, so the editable install points at
# /opt/airflow/include; docker-compose.yaml bind-mounts ./include on the same
# path, so code edits on the host are live in the containers.
# README*/LICENSE* are optional (BuildKit accepts a wildcard that matches nothing);
# they are copied in case pyproject.toml starts to reference them.
COPY --chown=airflow:0 pyproject.toml constraints.txt README* LICENSE* ./
COPY --chown=airflow:0 include/ ./include/

# A `pip freeze` lock may list the project itself (`-e ...` or `mediamon==...`),
# which pip refuses or mismatches as a constraint: drop those lines.
RUN grep -viE '^[[:space:]]*(-e|--editable)[[:space:]]|^[[:space:]]*mediamon[[:space:]]*(==|@|$)' \
        constraints.txt > /tmp/constraints.txt \
    && pip install --no-cache-dir -c /tmp/constraints.txt \
        "apache-airflow==${AIRFLOW_VERSION}" -e . \
    && rm -f /tmp/constraints.txt
