"""Read an HTML form as a browser would, and fill every field of it with distinct values.

`read_form` gives what the browser would submit for the form as rendered (the successful
controls), so a test can check that a page shows what was saved, and re-post the form as
rendered with one field changed, exactly as a person editing one field would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from bs4 import BeautifulSoup, Tag
from werkzeug.datastructures import MultiDict

SKIP = {"csrf_token", "confirm_void"}


@dataclass
class Control:
    name: str
    kind: str  # text, textarea, date, datetime-local, number, radio, checkbox, select, multiple
    options: list[str] = field(default_factory=list)  # radio, checkbox, select values


@dataclass
class Form:
    values: MultiDict
    controls: dict[str, Control]
    action: str
    htmx: bool  # autosaved through hx-post

    def field_names(self) -> list[str]:
        return [n for n in self.controls if n not in SKIP]


def _form_tag(html: str, selector: str) -> Tag:
    soup = BeautifulSoup(html, "html.parser")
    tag = soup.select_one(selector)
    assert tag is not None, f"no form {selector!r} on the page"
    if tag.name != "form":
        inner = tag.find("form")
        assert isinstance(inner, Tag), f"{selector!r} holds no form"
        tag = inner
    return tag


def read_form(html: str, selector: str) -> Form:
    """The values the form would submit as rendered, and what kind each control is."""
    tag = _form_tag(html, selector)
    values: MultiDict = MultiDict()
    controls: dict[str, Control] = {}
    for el in tag.find_all(["input", "textarea", "select"]):
        name = el.get("name")
        if not name or el.has_attr("disabled"):
            continue
        if el.name == "textarea":
            controls[name] = Control(name, "textarea")
            # Browsers drop one leading newline of a textarea's content.
            text = el.text[1:] if el.text.startswith("\n") else el.text
            values.add(name, text)
        elif el.name == "select":
            multiple = el.has_attr("multiple")
            tags = el.find_all("option")
            options = [o.get("value", o.text) for o in tags]
            controls[name] = Control(name, "multiple" if multiple else "select", options)
            chosen = [o.get("value", o.text) for o in tags if o.has_attr("selected")]
            if not multiple and not chosen and options:
                chosen = options[:1]
            for value in chosen:
                values.add(name, value)
        else:
            kind = el.get("type", "text")
            if kind in ("submit", "button", "file", "reset"):
                continue
            if kind in ("radio", "checkbox"):
                control = controls.setdefault(name, Control(name, kind))
                control.options.append(el.get("value", "on"))
                if el.has_attr("checked"):
                    values.add(name, el.get("value", "on"))
            else:
                controls[name] = Control(name, kind)
                values.add(name, el.get("value", ""))
    action = tag.get("hx-post") or tag.get("action") or ""
    return Form(values, controls, action, htmx=tag.has_attr("hx-post"))


_numbers = count(1)


def new_value(control: Control, current: list[str]) -> list[str]:
    """A value for the control that differs from `current` (a fresh one on every call)."""
    n = next(_numbers)
    if control.kind == "textarea":
        return [f"Text {n} for {control.name}\nsecond line {n}"]
    if control.kind == "date":
        return [f"2026-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}"]
    if control.kind == "datetime-local":
        return [f"2026-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}T{n % 24:02d}:{n % 60:02d}"]
    if control.kind == "number":
        return [str(n)]
    if control.kind in ("radio", "select"):
        choices = [o for o in control.options if o and o not in current]
        assert choices, f"{control.name}: no other choice to pick"
        return [choices[n % len(choices)]]
    if control.kind in ("checkbox", "multiple"):
        choices = [o for o in control.options if o]
        picked = [o for o in choices if o not in current]
        return picked or choices[:1]
    return [f"Value {n} for {control.name}"]


def fill_all(form: Form, *, keep: tuple[str, ...] = (), choose=None) -> MultiDict:  # type: ignore[no-untyped-def]
    """Every field given a new value; `choose(name, control, current)` may pick one itself."""
    data: MultiDict = MultiDict(form.values)
    for name in form.field_names():
        if name in keep:
            continue
        control = form.controls[name]
        current = form.values.getlist(name)
        picked = choose(name, control, current) if choose else None
        data.setlist(name, picked if picked is not None else new_value(control, current))
    return data
