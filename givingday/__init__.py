"""A live board for a city district's 99 Giving Day: store, ingestion, queries and pages."""
