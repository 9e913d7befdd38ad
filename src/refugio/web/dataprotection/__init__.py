"""Web pages of the data protection domain (the retention rules, their runs, legal holds)."""
