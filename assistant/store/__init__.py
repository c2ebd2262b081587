"""Persistence, apart from what is served: interactions and feedback (`storage`), the database and its
migrations (`database`, `migrations/`), the knowledge documents with their history (`documents`) and
published index builds (`publish`). The answer path does not import this package."""
