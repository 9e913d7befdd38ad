"""Data protection: retention rules run on a schedule (anonymisation that keeps statistics right, the
purge of abandoned imports), legal holds that a run respects, and the report of every run."""
