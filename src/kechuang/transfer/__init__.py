"""Export and import of the whole platform as one JSON document (``docs/data-format.md``)."""
