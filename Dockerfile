# Gyoryu: web client built with Node, served by the Python server.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    GYORYU_HOST=0.0.0.0 GYORYU_PORT=8000 GYORYU_DEMO=0 GYORYU_WEB_DIST=/app/web/dist
WORKDIR /app
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY server/ server/
COPY migrations/ migrations/
RUN pip install --no-cache-dir -c constraints.txt .
COPY --from=web /src/web/dist web/dist
RUN useradd --system --home /app gyoryu && mkdir -p /app/var && chown gyoryu /app/var
USER gyoryu
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "gyoryu migrate && gyoryu serve"]
