"""Accounts and access: users, tokens, bodies, the access policy."""
