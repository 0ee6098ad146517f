"""The stack benchmark: a production-shaped Bastion on this machine, seeded, loaded by wrk.

``bench/run.py`` is the entry point; each module here does one job (a service, the seed,
a load generator, the report).
"""
