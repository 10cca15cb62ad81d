"""Firing what is due: the scheduler ``service`` (APScheduler date jobs over the timers
table), the ``firing`` of one timer through the use cases, and the ``leadership`` that
keeps one scheduler active per database."""
