"""Data subject rights (issue 14, decision 0017): tracked requests of access, correction and erasure,
each with its deadline; the access report (JSON and PDF), corrections through the registration service,
erasure with a tombstone. Above every other domain, like the rest of refugio.dataprotection."""
