"""Responsibility sharing (SPEC C8): distribution keys as versioned pure functions over indicators with
provenance, indicators from the World Bank and UNHCR data, pledges and their follow-up, funding.
See docs/decisions/0009-sharing.md."""
