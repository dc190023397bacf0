"""Output formats for diagnostics: one module per format, each returns text."""
