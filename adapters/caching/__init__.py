"""Read-through caching over the ports: which reads a cache may answer, and how a change
reaches it. The rules live here, not in the use cases that read or change the data."""
