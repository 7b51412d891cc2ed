"""The catalog's API: one router per resource (needs, achievements, experts); listings.py
holds what needs and achievements share (attachments, lifecycle actions, schemas);
matches.py the matches of one record (mounted under /api/v1/match)."""
