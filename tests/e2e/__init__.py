"""End-to-end journeys in a real browser."""
