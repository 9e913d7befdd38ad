"""Command line interface (Typer): thin commands over the domain services."""
