"""The product's use cases. Each takes the caller's SQLAlchemy session and does its whole
job inside that one transaction: instance, work items, timers and audit change together,
or (when it raises) the caller rolls everything back."""
