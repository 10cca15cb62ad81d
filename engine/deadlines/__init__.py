"""Dates the congress's way: the working-day ``calendar`` (statutory holidays and 调休
days), the ``date_functions`` every expression can call, the named ``settings`` (the
statutory periods), ``reminders``, ``recurrence`` of timer start events and the
``timezones`` people read dates in.

Knows nothing of the database or of Flask (import-linter checks it): the use cases hand
it what the administrator entered."""
