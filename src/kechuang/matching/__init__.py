"""Matching (精准对接): Chinese text analysis, embeddings, search backends and ranking."""
