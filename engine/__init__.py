"""The workflow engine: a thin facade over SpiffWorkflow plus the product's use cases.

Imports no Flask. ``engine.bpmn.runtime``, ``engine.bpmn.parsing`` and ``engine.bpmn.serialization`` know
nothing of the database; the use cases in ``engine.usecases`` tie them to ``storage``.
"""
