"""`mentor api` (serve the HTTP API) and `mentor api-key create|list|revoke`."""

from __future__ import annotations

import click

from assistant.cli.core import load_settings, main, open_storage
from assistant.errors import MentorError


@main.command("api")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 for every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1),
              help="Worker processes; each loads its own model and index.")
def api(host, port, workers):
    """Serve the HTTP API (FastAPI + uvicorn); the OpenAPI docs are at /docs.

    Every /v1 request needs an API key (`mentor api-key create NAME`) unless
    MENTOR_API_KEYS_REQUIRED=false. /healthz answers once the server is up,
    /readyz once the index is loaded.

    \b
    Examples:
      mentor api --port 8000
      mentor api --host 0.0.0.0 --workers 2
      curl -X POST localhost:8000/v1/ask -H "Authorization: Bearer $KEY" \\
           -d '{"question": "How do I find a mentor?"}'
    """
    import uvicorn

    settings = load_settings()
    if settings.api_keys_required and not any(r["revoked_at"] is None for r in open_storage(settings).api_keys.rows()):
        click.echo("Warning: no API key exists yet, so every /v1 request will get 401. Create one with "
                   "`mentor api-key create NAME`, or set MENTOR_API_KEYS_REQUIRED=false to open the API.", err=True)
    # An import string and a factory: each worker process builds its own app from the settings.
    uvicorn.run("assistant.api:create_app", factory=True, host=host, port=port, workers=workers)


@main.group("api-key")
def api_key():
    """Keys for the HTTP API: create (shown once), list, revoke.

    \b
    Examples:
      mentor api-key create slack-bot
      mentor api-key list
      mentor api-key revoke slack-bot
    """


@api_key.command("create")
@click.argument("name")
def create(name):
    """Create an API key called NAME and print it, once: only its hash is stored.

    NAME says who uses the key (letters, digits, '.', '_', '-'), e.g. slack-bot.
    """
    from assistant.api.access import create_key

    try:
        key_id, key = create_key(open_storage(load_settings()), name)
    except MentorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created API key {name!r} (id {key_id}). Copy it now; it cannot be shown again:\n")
    click.echo(f"  {key}\n")
    click.echo("Send it as the header 'Authorization: Bearer <key>'. Revoke it with "
               f"`mentor api-key revoke {name}`.")


@api_key.command("list")
def list_keys():
    """List every API key: id, name, its first characters, when it was created or revoked."""
    rows = open_storage(load_settings()).api_keys.rows()
    if not rows:
        click.echo("No API keys. Create one with `mentor api-key create NAME`.")
        return
    click.echo(f"{'id':>4}  {'name':<24} {'starts':<14} {'created':<17} status")
    for row in rows:
        state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        click.echo(f"{row['id']:>4}  {row['name']:<24} {row['prefix'] + '…':<14} "
                   f"{row['created_at']:%Y-%m-%d %H:%M}  {state}")


@api_key.command("revoke")
@click.argument("name_or_id")
def revoke(name_or_id):
    """Revoke the active API key with this NAME or ID; requests with it get 401 from then on."""
    from assistant.api.access import revoke_key

    try:
        rows = revoke_key(open_storage(load_settings()), name_or_id)
    except MentorError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in rows:
        click.echo(f"Revoked API key {row['name']!r} (id {row['id']}). Requests with it now get 401.")
