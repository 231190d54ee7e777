"""The structured rule editor: a rule's kind chosen by its Chinese name and a form made for that kind, generated
from the engine's catalogue, with a live preview; used by both admins and the evaluation's indicator editor.

drafts (typed boxes ↔ stored rule, the engine's verdict pinned to boxes) · typed (numbers as people type them) ·
wording (engine messages without codes) · layout (what the template draws) · preview (a score for sample inputs) ·
fields (the Django widget, field and admin model form). Everything but ``fields`` is pure Python.
"""
