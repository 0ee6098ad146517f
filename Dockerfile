# Bastion API and worker image. Dependencies come from the committed lock file.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir "uv>=0.5,<1" \
 && useradd --system --create-home --home-dir /app bastion
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY domain ./domain
COPY application ./application
COPY adapters ./adapters
COPY entrypoints ./entrypoints
COPY migrations ./migrations
COPY alembic.ini wsgi.py ./
RUN uv sync --frozen --no-dev && mkdir -p /app/files && chown -R bastion /app
USER bastion
ENV PATH="/app/.venv/bin:$PATH" BASTION_ENV=production
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# Threads, timeouts, limits and the worker class: entrypoints/http/gunicorn_conf.py.
CMD ["gunicorn", "wsgi:app", "-c", "python:entrypoints.http.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "2", "--reuse-port", "--access-logfile", "-"]
