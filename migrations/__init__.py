"""Alembic history, shipped in the wheel so ``bastion db upgrade`` works from any cwd."""
