"""contactapi: a self-hostable server for the REI Software (HighLevel v1) Contact API."""
