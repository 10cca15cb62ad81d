"""Telling people: the ``texts`` of reminders, overdue notices and 督办 (in the reader's
language and time zone), and the e-mail ``outbox`` sent after the firing committed."""
