//! Storage: sqlx over SQLite (default) and PostgreSQL, with the same migrations semantics.
