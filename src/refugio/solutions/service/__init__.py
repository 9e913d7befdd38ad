"""Writes of the solutions domain, with domain verbs (keyword-only; they flush, never commit):
`matching_runs` (propose, change, review, confirm, cancel) and `rsd` (claims with due process)."""
