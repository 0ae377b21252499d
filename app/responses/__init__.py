"""Storage of anonymous responses."""
