"""In-memory twins of the ports: the embedded single-process default and the tests' fakes."""
