"""/api/v1/me: who you are, and your personal API tokens."""
from __future__ import annotations

from engine.usecases import catalog, tokens

from .common import actor, make_blueprint, reader, writer
from .schemas import CreatedTokenSchema, ProfileSchema, TokenInSchema, TokenSchema

bp = make_blueprint("me", "/me", "The signed-in user and their API tokens")


@bp.get("")
@bp.response(200, ProfileSchema)
def me():
    """Your name, unit, roles and the groups you work for."""
    return catalog.profile(reader(), actor())


@bp.get("/tokens")
@bp.response(200, TokenSchema(many=True))
def list_tokens():
    """Your API tokens (never their secrets)."""
    return tokens.list_tokens(reader(), actor(), actor().username)


@bp.post("/tokens")
@bp.arguments(TokenInSchema)
@bp.response(201, CreatedTokenSchema)
def create_token(args: dict):
    """Make a token; its secret is in this response only."""
    with writer() as s:
        return tokens.create_token(s, actor(), actor().username, args["name"])


@bp.delete("/tokens/<int(max=2147483647):token_id>")
@bp.response(200, TokenSchema)
def revoke_token(token_id: int):
    """Revoke one of your tokens: it stops working at once."""
    with writer() as s:
        return tokens.revoke_token(s, actor(), token_id)
