# Vouch: a slim, non-root image that migrates the database on start and reports its health.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN python -m venv /opt/vouch && /opt/vouch/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /srv/vouch --create-home vouch
COPY --from=build /opt/vouch /opt/vouch
WORKDIR /srv/vouch
COPY alembic.ini ./
COPY alembic ./alembic
COPY answer_bank ./answer_bank
ENV PATH="/opt/vouch/bin:$PATH" \
    VOUCH_HOST=0.0.0.0 \
    VOUCH_PORT=8000 \
    VOUCH_DATA_DIR=/srv/vouch/var \
    VOUCH_BANK_DIR=/srv/vouch/answer_bank \
    VOUCH_ENVIRONMENT=production \
    PYTHONDONTWRITEBYTECODE=1
RUN mkdir -p /srv/vouch/var && chown -R vouch:vouch /srv/vouch/var
USER vouch
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["sh", "-c", "vouch db upgrade && exec vouch serve"]
