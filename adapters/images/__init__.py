"""Pictures: recognised from their bytes and re-encoded with Pillow."""
