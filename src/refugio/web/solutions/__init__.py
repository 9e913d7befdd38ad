"""Durable solutions pages: RSD claims with their steps, matching runs (proposal → review → confirm)."""
