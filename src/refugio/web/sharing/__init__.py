"""Web pages of responsibility sharing (refugio.sharing): keys, pledges, indicators."""
