"""Compliance services: rule packs, checks, audit."""
