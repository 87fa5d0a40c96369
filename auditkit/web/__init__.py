"""Pieces both Flask apps share: database session, CSRF, errors, htmx wiring."""
