"""Who acted, by name (web.roles.person_name, the templates' ``person`` filter): the product's
own actors by what they are, in the reader's language; a person by display name."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from web.roles import person_name

PEOPLE = {"finance1": "财政所 张所长"}


@pytest.mark.parametrize(
    ("username", "chinese", "english"),
    [
        ("system", "系统", "System"),
        ("operator", "服务器运维（命令行）", "Server operator (command line)"),
        ("finance1", "财政所 张所长", "财政所 张所长"),  # a name is the person's, in any language
        ("civil1", "civil1", "civil1"),  # no display name: the user name
        (None, "", ""),
    ],
)
def test_person_name(app, username, chinese, english):
    with app.test_request_context():
        assert person_name(username, PEOPLE) == chinese
        with force_locale("en"):
            assert person_name(username, PEOPLE) == english
