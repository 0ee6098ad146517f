"""Tasks with soft delete: the application data every user owns."""
