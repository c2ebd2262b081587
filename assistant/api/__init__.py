"""The HTTP API (FastAPI + uvicorn): `mentor api` serves `create_app`; `mentor api-key` manages its keys.

    uvicorn --factory assistant.api:create_app      # what `mentor api` runs
"""

from assistant.api.app import create_app

__all__ = ["create_app"]
