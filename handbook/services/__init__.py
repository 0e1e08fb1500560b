"""Business rules: plain functions taking (session, acting user, ...); no Flask here."""
