"""Workflows and the contacts enrolled in them."""
