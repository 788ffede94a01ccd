"""Image knowledge: the shipped tables and live registry lookups."""
