"""The catalog's API: one router per resource (needs, achievements, experts); listings.py
holds what needs and achievements share (attachments, lifecycle actions, schemas)."""
