"""Running several nodes: readiness, Prometheus metrics, Idempotency-Key on API writes, the primary/replica database
router with read-your-writes, and the scheduler's lease (one active scheduler across nodes). See docs/operations.md."""
