"""The rule kinds of DESIGN §4, one module per family; ``rubrics.engine`` composes them into ``RULE_KINDS``.

Adding a kind: write its parameter reader and its computation in a family module (or a new one) using the
pieces of ``rubrics.rules.base``, describe it as a ``RuleKind`` there, and list it in ``rubrics.engine``.
Pure Python: no Django, no database.
"""
