"""HTML pages, one module per area. Each view reads through selectors and
writes through services, like the API does."""
