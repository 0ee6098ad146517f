"""Cryptography adapters: password hashing, tokens, digests, sealing, IP hashing."""
