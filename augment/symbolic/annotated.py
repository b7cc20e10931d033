"""GSM-Symbolic's annotated template format, written and read back.

    {name1,Natalia} sold clips to {n1,48} of her friends in April, ...

    #init:
    - $n1 = range(24, 97)
    - name1 = sample(names_female)

    #conditions:
    - is_int(n1 / 2)

    #answer: n1 + n1 / 2

`augment templates` writes this for every problem so a person can read and fix a template
by hand; the generator runs from such a file as well as from derived templates.
"""

from __future__ import annotations

import re

from augment.symbolic.expressions import compile_expression
from augment.symbolic.template import Template
from filters.arith import ExpressionError

_SECTION_RE = re.compile(r"\n\s*#(init|conditions|answer):", re.IGNORECASE)
_INIT_RE = re.compile(r"^-\s*(\$?)(\w+)\s*=\s*(.+?)\s*$")


class TemplateFormatError(ValueError):
    """An annotated template that does not follow the format; the message says where."""


def to_annotated(template: Template) -> tuple[str, str]:
    """(question_annotated, answer_annotated) in GSM-Symbolic's layout."""
    init = [f"- {'' if name.startswith('name') else '$'}{name} = {domain}" for name, domain in template.init.items()]
    conditions = [f"- {condition}" for condition in template.conditions]
    question = (
        f"{template.question}\n\n#init:\n"
        + "\n".join(init)
        + "\n\n#conditions:\n"
        + "\n".join(conditions)
        + f"\n\n#answer: {template.answer_expr}"
    )
    return question, template.answer


def parse_annotated(question_annotated: str, answer_annotated: str) -> Template:
    """Read a template back; raises TemplateFormatError naming the bad line."""
    parts = _SECTION_RE.split(question_annotated)
    question, sections = parts[0].rstrip(), {}
    for name, body in zip(parts[1::2], parts[2::2]):
        sections[name.lower()] = body
    if "init" not in sections or "answer" not in sections:
        raise TemplateFormatError("annotated question needs #init: and #answer: sections")
    template = Template(question=question, answer=answer_annotated, answer_expr=sections["answer"].strip())
    for line in sections["init"].strip().splitlines():
        match = _INIT_RE.match(line.strip())
        if not match:
            raise TemplateFormatError(f"#init line is not '- $name = domain': {line.strip()!r}")
        template.init[match.group(2)] = match.group(3)
    template.conditions = [
        line.strip()[1:].strip() for line in sections.get("conditions", "").strip().splitlines() if line.strip()
    ]
    for text in [template.answer_expr, *template.conditions]:
        try:
            compile_expression(text)
        except ExpressionError as exc:
            raise TemplateFormatError(str(exc)) from exc
    return template
