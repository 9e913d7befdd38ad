"""refugio: software for the Comprehensive Refugee Response Framework."""

__version__ = "0.1.0"
