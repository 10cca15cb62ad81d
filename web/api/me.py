"""/api/v1/me: who you are, your personal API tokens and your notifications (消息)."""

from __future__ import annotations

from dataclasses import asdict

from engine.usecases import notifications, people, tokens

from .common import actor, make_blueprint, reader, writer
from .schemas import (
    CreatedTokenSchema,
    MarkedReadSchema,
    MarkReadSchema,
    NotificationListArgs,
    NotificationPageSchema,
    ProfileSchema,
    ProfileUpdateSchema,
    TokenInSchema,
    TokenSchema,
)

bp = make_blueprint("me", "/me", "The signed-in user, their API tokens and notifications")
_LEFT = object()  # a choice the request does not send: left as it is


@bp.get("")
@bp.response(200, ProfileSchema)
def me():
    """Your name, unit, roles and the groups you work for, and what you chose for yourself (your
    time zone, language and e-mail switch), as PATCH answers them."""
    return _said(*people.profile_and_choices(reader(), actor()))


@bp.patch("")
@bp.arguments(ProfileUpdateSchema)
@bp.response(200, ProfileSchema)
def update_me(args: dict):
    """Change what you choose for yourself, as 我的设置 does; each field is left as it is when
    not sent, and at least one is to be sent (else 422 naming ``json``, the body): your time
    zone (an IANA name; "" for the default, Asia/Shanghai), your language (null: the product's
    default) and whether notifications are e-mailed to you. 422 naming every refused field;
    then nothing is changed."""
    language = args.get("language", _LEFT)
    with writer() as s:
        return _said(
            *people.save_and_read_settings(
                s,
                actor(),
                timezone=args.get("timezone"),  # None: not sent, left as it is
                # the use case's None leaves the language as it is, and "" is none chosen
                language=None if language is _LEFT else language or "",
                email_notices=args.get("email_notices"),
            )
        )


def _said(profile: people.Profile, choices: people.NoticePreferences) -> dict:
    """The profile and the choices beside it, as one object (ProfileSchema)."""
    return {**asdict(profile), **asdict(choices)}


@bp.get("/tokens")
@bp.response(200, TokenSchema(many=True))
def list_tokens():
    """Your API tokens (never their secrets)."""
    return tokens.list_tokens(reader(), actor(), actor().username)


@bp.post("/tokens")
@bp.arguments(TokenInSchema)
@bp.response(201, CreatedTokenSchema)
def create_token(args: dict):
    """Make a token; its secret is in this response only. Signed in only (the session
    cookie and its X-CSRFToken header): a request with a token is refused (403), so that a
    stolen token cannot make a successor that outlives its revocation."""
    with writer() as s:
        return tokens.create_token(s, actor(), actor().username, args["name"], args["expires_in_days"])


@bp.delete("/tokens/<int(max=2147483647):token_id>")
@bp.response(200, TokenSchema)
def revoke_token(token_id: int):
    """Revoke one of your tokens: it stops working at once."""
    with writer() as s:
        return tokens.revoke_token(s, actor(), token_id)


@bp.get("/notifications")
@bp.arguments(NotificationListArgs, location="query")
@bp.response(200, NotificationPageSchema)
def list_notifications(args: dict):
    """Your notifications (new tasks, reminders, overdue notices, 督办), newest first; only ever
    your own. Kind, subject and message in the request's language (the language cookie, else
    Accept-Language, else Chinese), as the 消息 page writes them; as stored when it was made
    (Chinese) in ``email_subject`` and ``email_message``. An e-mail is written when it is sent,
    in the language you chose (``language`` of PATCH /api/v1/me)."""
    return notifications.notification_page(
        reader(), actor(), unread_only=args["unread"], page=args["page"], per_page=args["per_page"]
    )


@bp.post("/notifications/read")
@bp.arguments(MarkReadSchema, required=False)
@bp.response(200, MarkedReadSchema)
def mark_notifications_read(args: dict):
    """Mark your notifications read: those in ``ids``, or all when there are no ids.

    Ids of someone else's notifications (or unknown ids) are ignored, not an error: they
    change nothing and are not counted in ``marked``."""
    with writer() as s:
        return {"marked": notifications.mark_read(s, actor(), args.get("ids"))}
