"""An element's kind as the designer's pages say it (a migration's dry run, a version diff):
an external service task is one kind among the others ("external task" in English, as "user
task"), not the plural heading of the case page's section (外部任务 → "External tasks")."""

from __future__ import annotations

from flask_babel import force_locale

from web.views.process_library import _kind as kind_words


def test_an_external_task_is_named_as_the_other_kinds(app):
    with app.test_request_context():
        assert kind_words("ExternalServiceTask") == "外部服务任务"
        with force_locale("en"):
            assert (kind_words("ExternalServiceTask"), kind_words("UserTask")) == ("external task", "user task")
