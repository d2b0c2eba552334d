"""JSON API routers under /catalogue/api/v1."""
