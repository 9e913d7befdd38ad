"""Core: identifiers, clock, errors and events shared by every layer. Imports nothing from refugio."""
