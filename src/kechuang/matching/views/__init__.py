"""The search pages: one box across every indexed kind (``search.py``) and the site
dictionary of the Chinese analyser (``dictionary.py``). The panels of one record's matches
(recommendations, duplicates) are its app's pages, e.g. ``catalog/views/matches.py``."""
