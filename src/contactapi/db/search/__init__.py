"""Contact list and search: the shared shapes, and one plan per database."""
