"""Writes for listings, one module per idea: listing.py (create, edit,
share, archive, units, hours, blackouts) and photo.py (photos)."""
