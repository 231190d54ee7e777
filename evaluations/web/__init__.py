"""Views of the evaluation workspace, one module per area (thin: access check, service call, render)."""
