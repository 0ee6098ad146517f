"""The WSGI entry point for production: ``gunicorn wsgi:app``."""

import gc

from entrypoints.http.app import create_app

app = create_app()

# What start-up built lives as long as the worker: the garbage of start-up is collected
# once, and the rest moved where no collection looks again. Without this, every full
# collection walked some 170 000 objects, a ~0.1 s stop of the whole worker. (A frozen
# object that later turns into cyclic garbage is never freed; start-up objects do not.)
gc.collect()
gc.freeze()
