"""Data-sharing agreements: with whom, for which purpose, which fields, on what legal basis, kept how long
at the partner and until when. Every export of personal data to a partner names one (the registry share,
the partner registry search in the style of the DCI social-registry API); anything outside it is refused,
people without consent for its purpose are left out, each shared file carries a manifest and every share is
audited. See docs/decisions/0013-consent-and-data-sharing-agreements.md.
"""
