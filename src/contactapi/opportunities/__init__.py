"""Opportunities: a contact's deal, in one stage of one pipeline."""
