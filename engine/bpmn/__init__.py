"""BPMN 2.0 on SpiffWorkflow, in the order a process goes through it: ``parsing`` (XML,
XSD and the checks SpiffWorkflow skips; ``camunda`` reads the Camunda extensions, ``forms``
the forms), ``serialization`` (the parsed spec once per version, a case's state without
it), ``runtime`` (start, restore, complete, fire timers) with every expression and script
in the ``sandbox``; ``layout`` draws a diagram for a file that has none.

Knows nothing of the database or of Flask (import-linter checks it)."""
