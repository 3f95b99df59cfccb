"""Forms checked by the engine: is this data valid for this form-js form?

The single authority for start and completion data (every door calls it, directly or
through start_case/complete_task): `validate(form, submitted)` returns the cleaned data
or field errors whose messages are English templates the doors translate. See
validate.py for the rules of what a form accepts (rules.py and choices.py per field),
conditions.py and feel.py for hidden fields, schema.py for where values live, display.py
for the helpers pages need, check.py for what deployment should tell the analyst.
"""

from engine.forms.check import FormProblem, form_problems
from engine.forms.display import errors_by_component, labelled_errors, labelled_values
from engine.forms.messages import MESSAGES, N_, FieldError
from engine.forms.patterns import EMAIL_PATTERN, PHONE_PATTERN
from engine.forms.result import DEFAULT_LIMITS, FormLimits, FormResult
from engine.forms.schema import FieldInfo, input_fields
from engine.forms.validate import validate

__all__ = ["DEFAULT_LIMITS", "EMAIL_PATTERN", "MESSAGES", "N_", "PHONE_PATTERN", "FieldError",
           "FieldInfo", "FormLimits", "FormProblem", "FormResult", "errors_by_component",
           "form_problems", "input_fields", "labelled_errors", "labelled_values", "validate"]
