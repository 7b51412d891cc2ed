"""Expert review: panels, reviewer assignment, conflicts of interest, scoring (issue 4)."""
