"""What a command's error says in its reader's language: ``said``, in every ``--json`` error
object, as the API's error bodies carry it (web/errors.py ``said_json``: ``language``,
``title``, ``text``, ``hint``, and each field's error in ``fields``), while ``message`` and
``fields`` stay the developer's English.

The language: ``congressflow --lang en|zh_CN``, else the environment's ``CONGRESSFLOW_CLI_LANG``,
else, for a command acting as a person (``--user NAME``), the language they chose under 我的设置
(``users.language``), else Chinese (the product's language; the operator's too). It is the
language of what a command says in the pages' words (``said``; the units' clashes,
``in_the_commands_language``): the command's own lines and ``message`` stay English. What only
the command line refuses is said without the person's choice: the database that holds it may
be what cannot be used.

An engine error is said as the API says it (its reason and params; people by name, times in
the congress's zone), on the app the command runs on: as the API, for the person the command
acts as (``--user``; ``--operator``: the operator). What only the command line refuses (a usage
error, a database it cannot use, a setting the app cannot start with, a file it will not
overwrite) has its own sentences here, translated without the app, which may be what cannot be
made."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any

import click
from flask import Flask, current_app, g, has_app_context
from flask_babel import Babel, force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from engine.access import Actor
from engine.errors import EngineError, FieldError, InvalidData, NotAllowed
from engine.usecases import people

from .. import database
from ..errors import Said, said_json, said_of, status_of
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES

LANGUAGE_ENV = "CONGRESSFLOW_CLI_LANG"
_LANGUAGE = "congressflow_language"  # in the context's meta, which its subcommands share
_LANGUAGE_OF_READER = "congressflow_readers_language"  # in the command's context's meta, once read


def choose_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """``--lang``'s callback (the group's option, or its environment variable)."""
    if value is not None:
        ctx.meta[_LANGUAGE] = value


def language(app: Flask | None = None) -> str:
    """The language the command's errors are said in: ``--lang``, else the environment's, else
    (given ``app``, the command's own, whose database it uses) the language chosen by the person
    the command acts as, else Chinese. (A value of ``--lang`` or of the environment that is no
    language is refused by the option; read here without it, as by a test's runner of the app's
    own commands, it is passed over.)"""
    ctx = click.get_current_context(silent=True)
    chosen = ctx.meta.get(_LANGUAGE) if ctx is not None else None
    if chosen not in LANGUAGES:
        chosen = os.environ.get(LANGUAGE_ENV)
    if chosen not in LANGUAGES and app is not None and ctx is not None:
        chosen = _readers_language(app, ctx)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _readers_language(app: Flask, ctx: click.Context) -> str | None:
    """The language the person the command acts as (``--user NAME``) chose under 我的设置, read
    once a command (a list of clashes says each in it); None: nobody named, the operator (no
    user, no choice), someone who is no user, or not chosen."""
    if _LANGUAGE_OF_READER not in ctx.meta:
        reader = _reader()
        chosen: str | None = None
        if reader is not None and not ctx.params.get("as_operator"):
            try:
                with database.session_factory(app, read_only=True)() as session:
                    chosen = people.notice_preferences(session, Actor(reader)).language
            except (NotAllowed, SQLAlchemyError):
                # no such user (refused on its own), or a database that failed the command too:
                # the refusal is said all the same, in the default language
                chosen = None
        ctx.meta[_LANGUAGE_OF_READER] = chosen
    found: str | None = ctx.meta[_LANGUAGE_OF_READER]
    return found


def of_engine_error(exc: EngineError) -> dict[str, Any]:
    """``exc`` said as the API says it, with its status's title (web/errors.py), or in the
    command's own words for what only a command refuses (a file it will not overwrite)."""
    codes = exc.codes if isinstance(exc, InvalidData) else {}
    own = _SAID_BY_THE_COMMAND.get(exc.code)
    # the command's app, whose database says in what language its reader reads (none: only translated)
    app: Flask | None = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
    with _reading(app or _translator(), _reader(), language(app)):
        return said_json(status_of(exc), codes, own(exc) if own is not None else said_of(exc))


def of_command_error(code: str, codes: Mapping[str, FieldError] | None = None, status: int = 400) -> dict[str, Any]:
    """An error only the command line has (``code``: a usage error, a database it cannot use,
    a setting the app refuses) in its own words (none known: ``status``'s explanation),
    translated without the app."""
    own = _SAID_BY_THE_COMMAND.get(code)
    # not the reader's chosen language: the database may be what cannot be used (or the app made)
    with _reading(_translator(), None, language()):
        return said_json(status, codes or {}, own(None) if own is not None else None)


@contextmanager
def in_the_commands_language() -> Iterator[None]:
    """Say a page's sentence (web.views) in the command's language, on the command's app."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _reading(app, None, language(app)):
        yield


@contextmanager
def _reading(app: Flask, reader: str | None, locale: str) -> Iterator[None]:
    """As the API answers a request of ``reader`` in ``locale``: a request of its own (the
    sentences link to pages, name people from the database) in an app context of its own (the
    command's keeps nothing of it)."""
    with app.app_context(), app.test_request_context("/api/v1/"), force_locale(locale):
        if reader is not None:  # who "you" are in the sentences (web.errors._me: an API token's holder)
            g.api_actor = Actor(reader)
        yield


def _reader() -> str | None:
    """Who the command acts as: ``--user NAME`` or ``--operator`` (None: nobody named)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    if ctx.params.get("as_operator"):
        return "operator"
    username = ctx.params.get("username")
    return username if isinstance(username, str) and username else None


@cache
def _translator() -> Flask:
    """An app that only translates (the web package's translations, as the app's): for what
    is said when the app cannot be made, or need not be."""
    app = Flask("web")
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    Babel(app)
    return app


SaidOf = Callable[[Any], Said]  # what an error says (given the engine's error; None: the command's own)


def _database(text: Callable[[], str]) -> SaidOf:
    return lambda _exc: Said(text(), title=_("无法使用数据库"))


def _start_refused(text: Callable[[], str]) -> SaidOf:
    return lambda _exc: Said(text(), _("修正之前，任何命令都不能运行。"), title=_("系统无法启动"))


def _usage(_exc: None) -> Said:
    return Said(_("命令的选项或参数有误。"), _("用 --help 查看这个命令的用法。"), title=_("命令用法有误"))


def _file_exists(exc: Any) -> Said:
    return Said(
        _("文件 %(file)s 已经存在，没有覆盖。", file=str(exc.path)),
        _("要覆盖它，请加上 --force；或者换一个文件名。"),
        title=_("文件已存在"),
    )


def _backup_exists(_exc: EngineError) -> Said:
    return Said(_("备份文件已经存在：备份从不覆盖已有的文件。"), _("请换一个文件名。"), title=_("文件已存在"))


# code → what it says: the command line's own errors, and the engine's that only a command meets
# (the API would say the status's explanation, about a page changed meanwhile)
_SAID_BY_THE_COMMAND: dict[str, SaidOf] = {
    "usage": _usage,
    "file_exists": _file_exists,
    "backup_exists": _backup_exists,
    "database_unreachable": _database(
        lambda: _("无法连接数据库：请检查数据库服务器是否在运行，以及 CONGRESSFLOW_DATABASE_URL 是否正确。")
    ),
    "no_schema": _database(
        lambda: _("数据库还没有建表：新安装请运行 congressflow init，否则请运行 congressflow db upgrade。")
    ),
    "old_schema": _database(lambda: _("数据库的表结构不是这个版本所需的：请运行 congressflow db upgrade。")),
    "newer_schema": _database(
        lambda: _("数据库已由更新版本的 CongressFlow 升级过：请安装那个版本（或更新的版本）来使用它。")
    ),
    "no_database": _database(
        lambda: _(
            "数据库文件不存在：新安装请运行 congressflow init，从备份恢复请运行 congressflow restore，"
            "或者检查 CONGRESSFLOW_DATABASE_URL。"
        )
    ),
    "database_url": _start_refused(lambda: _("CONGRESSFLOW_DATABASE_URL 不是可以使用的数据库地址。")),
    "bad_setting": _start_refused(lambda: _("有一项设置的值无法使用。")),
    "start_refused": _start_refused(lambda: _("系统的配置有误，无法启动。")),
}
