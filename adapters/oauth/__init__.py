"""Google, GitHub and Apple through authlib (the OAuth client) and joserfc (JOSE)."""
