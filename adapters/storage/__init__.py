"""File stores: a local directory now; an S3-compatible one implements the same port."""
