"""Web pages of the data protection registers: the breach register and the DPIA register."""
