"""The workflow engine: SpiffWorkflow and the congress's rules, and the use cases people
act through. Imports no Flask.

* ``bpmn``: parse, validate, serialize and run BPMN (no database);
* ``deadlines``: the calendar, the legal counting rules, settings, time zones (no database);
* ``access``: who may do what (no database);
* ``notifications``: what people are told, and the e-mail outbox;
* ``usecases``: one transaction each, the only part the web and the command line call;
* ``scheduling``: the service that fires what is due through the use cases;
* ``clock`` and ``errors``: the one clock, and the errors every part raises.
"""
