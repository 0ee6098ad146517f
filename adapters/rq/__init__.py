"""RQ queues and the queued notifier: enqueue only, the jobs live in entrypoints.worker."""
