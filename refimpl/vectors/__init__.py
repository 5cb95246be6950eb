"""vectors layer of the MobileCoin reference implementation (see docs/architecture.md)."""
