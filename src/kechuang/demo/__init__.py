"""Demo content for ``kechuang demo``: fictional organisations, needs, achievements and experts."""
