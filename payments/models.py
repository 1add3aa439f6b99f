"""Filled by its own issue; see shared/DESIGN.md."""
