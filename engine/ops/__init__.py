"""Operating the store: backup and restore of the whole database."""
