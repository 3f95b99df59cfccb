"""The store: database plumbing, typed models, migrations."""
