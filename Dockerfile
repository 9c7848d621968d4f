# The CisTrade Airflow image: the official Airflow image, the Debian libraries
# WeasyPrint renders with, the project's locked Python dependencies (uv.lock) and
# its code. docker-compose.yaml builds it for every Airflow service.
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
USER airflow

# Dependencies first (cached while only the code changes), exactly as locked.
WORKDIR /opt/cistrade
COPY --chown=airflow:0 pyproject.toml uv.lock ./
RUN pip install --no-cache-dir "uv==0.13.8" \
 && uv export --frozen --no-dev --no-emit-project --no-hashes -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY --chown=airflow:0 cistrade_core ./cistrade_core
COPY --chown=airflow:0 sql ./sql
COPY --chown=airflow:0 expectations ./expectations
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
ENV PYTHONPATH=/opt/cistrade
WORKDIR /opt/airflow
