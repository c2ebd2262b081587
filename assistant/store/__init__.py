"""Persistence, apart from what is served: the one schema (`schema`), the database and its migrations
(`database`, `migrations/`), an open database with a part per concern (`storage`: `interactions`,
`feedback`, `sign_ins`, `api_keys`, `rate_limit`, and `pending` for writes refused for now), the
knowledge documents with their history (`documents`) and published index builds (`publish`). The
answer path does not import this package; only pipeline.py picks publish.SharedBuilder on PostgreSQL."""
