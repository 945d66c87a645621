"""Snapshots of the training tools' config schemas (written by scripts/snapshot_schemas.py)."""
