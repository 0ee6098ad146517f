"""Data exports ("download my data"): request, build on a worker, download, purge."""
