"""Campaigns and the contacts that belong to them."""
