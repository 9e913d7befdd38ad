"""Web pages of data subject rights (/dataprotection/requests)."""
