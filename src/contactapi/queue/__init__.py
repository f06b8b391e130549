"""The durable job queue: an outbox table written with the change, drained by workers."""
