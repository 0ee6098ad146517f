# Bastion API and worker image, in two stages. The first installs the locked dependencies
# and Bastion itself (not editable) into /app/.venv with uv; the second is that virtualenv
# and the one file gunicorn imports from the working directory, on a slim Python with no
# pip, uv or compiler.
FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir "uv>=0.5,<1"
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY domain ./domain
COPY application ./application
COPY adapters ./adapters
COPY entrypoints ./entrypoints
COPY migrations ./migrations
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/app/.venv/bin:$PATH" BASTION_ENV=production
RUN python -m pip uninstall --yes --quiet pip setuptools wheel \
 && useradd --system --create-home --home-dir /app bastion \
 && mkdir /app/files && chown bastion /app/files
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY wsgi.py ./
USER bastion
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# Threads, timeouts, limits and the worker class: entrypoints/http/gunicorn_conf.py.
CMD ["gunicorn", "wsgi:app", "-c", "python:entrypoints.http.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "2", "--reuse-port"]
