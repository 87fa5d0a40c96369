"""The CB's periods for a three-year certification cycle, and the month arithmetic they need.

Every period the date engine uses is a field of `CyclePolicy`, with DOMAIN.md 1.4's defaults:
a CB sets its own values (from a file or the environment, through `CyclePolicy.from_mapping`)
and no rule in auditkit.planning.cycle hard-codes a number.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date

from auditkit.field_errors import FieldError

ISO_17021 = "ISO/IEC 17021-1"


class CyclePolicyError(FieldError):
    """A policy setting that is unknown or has a value the engine cannot use; `field` names it."""


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months (negative goes back); past the month's end, its last day.

    python-dateutil is neither a dependency of auditkit nor installed in the virtualenv, and
    this is the only part of `relativedelta` we need, with the same end-of-month rule:
    31 Jan + 1 month = 28 or 29 Feb, and 29 Feb 2024 + 3 years = 28 Feb 2027.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month_index = divmod(index, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


@dataclass(frozen=True)
class CyclePolicy:
    """How long a cycle lasts and when each of its audits is due, as one CB configures it.

    Frozen so that a programme computed from a policy can never drift from it afterwards.
    Months are calendar months (`add_months`); days are days.
    """

    cycle_years: int = 3
    """Certificate validity, counted from the initial or recertification decision (1.4)."""

    expiry_minus_one_day: bool = True
    """Expiry = decision + cycle_years - 1 day (the last valid day) when true, + cycle_years when
    false: CB practice varies (DOMAIN.md 1.4 worked example). Renewals keep the convention
    because the new expiry is the old expiry + cycle_years."""

    first_surveillance_months: int = 12
    """The first surveillance is due no later than this many months after the initial
    certification decision (17021-1:2015; the 2011 edition counted from stage 2's last day)."""

    surveillance_early_months: int = 3
    """A surveillance with a due date may be held from this many months before it (CB choice):
    too early and the interval to the next audit gets too long."""

    surveillance_max_gap_months: int | None = None
    """Optional cap on the months between one surveillance's due date and the next one's. The
    standard only asks for one per calendar year, so None by default; VCA's yearly interim
    audits use 12."""

    recert_lead_months: int = 6
    """The recertification audit window opens this many months before expiry."""

    recert_decision_days: int = 30
    """The recertification audit must end this many days before expiry, so that review and the
    decision (which is due by expiry) still fit."""

    recert_at_risk_days: int = 90
    """A recertification audit not yet held is at risk this many days before its due date."""

    at_risk_days: int = 30
    """A surveillance not yet held is at risk this many days before its due date."""

    restoration_months: int = 6
    """After expiry, certification can be restored for this many months if the outstanding
    recertification activities are completed (17021-1 9.6.3.2.5); afterwards at least a new
    stage 2 is needed."""

    suspension_months: int = 6
    """A suspension lasts at most this long before withdrawal or scope reduction
    (17021-1 9.6.5; the CB sets it, 6 months in most cases)."""

    surveillance_name: str = "surveillance"
    """What the scheme calls a surveillance audit, used in rule texts ("interim audit" for VCA)."""

    scheme: str = ISO_17021
    """The scheme the rule texts cite; clause numbers are cited only for ISO/IEC 17021-1."""

    def __post_init__(self) -> None:
        for f in fields(self):
            _check(f.name, f.type, getattr(self, f.name))
        if self.cycle_years < 1:
            raise CyclePolicyError("cycle_years", "cycle_years must be at least 1.")
        if self.first_surveillance_months < 1:
            raise CyclePolicyError(
                "first_surveillance_months", "first_surveillance_months must be at least 1."
            )
        if self.surveillance_max_gap_months == 0:
            raise CyclePolicyError(
                "surveillance_max_gap_months",
                "surveillance_max_gap_months must be at least 1, or empty for no cap.",
            )
        # 28 days is the shortest month: a window that could close before it opens is refused.
        if self.recert_decision_days > self.recert_lead_months * 28:
            raise CyclePolicyError(
                "recert_decision_days",
                "recert_decision_days is longer than recert_lead_months: the recertification "
                "audit window would close before it opens.",
            )

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, object], *, base: CyclePolicy | None = None
    ) -> CyclePolicy:
        """A policy from settings such as a parsed file or environment: `base` (the defaults)
        with each given key replaced.

        Strings are accepted for numbers and booleans ("6", "false") because environment
        variables only carry strings. Raises CyclePolicyError naming the first bad key.
        """
        known = {f.name: f.type for f in fields(cls)}
        for key in values:
            if key not in known:
                raise CyclePolicyError(
                    str(key),
                    f"Unknown cycle policy setting {key!r}; the settings are "
                    f"{', '.join(sorted(known))}.",
                )
        changes = {key: _coerce(key, known[key], value) for key, value in values.items()}
        return replace(base or cls(), **changes)

    def cite(self, clause: str) -> str:
        """The source of a rule for its text: a 17021-1 clause, or just the scheme's name."""
        return f"{self.scheme} {clause}" if self.scheme == ISO_17021 else self.scheme


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


def _coerce(key: str, kind: object, value: object) -> object:
    """A setting's value from its text form; anything else is passed through to `_check`."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if kind == "bool":
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise CyclePolicyError(key, f"{key} must be true or false, not {value!r}.")
    if kind in ("int", "int | None"):
        if kind == "int | None" and text in ("", "none"):
            return None
        if _WHOLE_NUMBER.fullmatch(text):
            return int(text)
        raise CyclePolicyError(key, f"{key} must be a whole number, not {value!r}.")
    return value.strip()


def _check(key: str, kind: object, value: object) -> None:
    """Refuse a value of the wrong type or a negative period (bool is not taken for a number)."""
    if kind == "bool":
        if not isinstance(value, bool):
            raise CyclePolicyError(key, f"{key} must be true or false, not {value!r}.")
    elif kind == "str":
        if not isinstance(value, str) or not value:
            raise CyclePolicyError(key, f"{key} must be a non-empty text.")
    elif value is None and kind == "int | None":
        return
    elif not isinstance(value, int) or isinstance(value, bool):
        raise CyclePolicyError(key, f"{key} must be a whole number, not {value!r}.")
    elif value < 0:
        raise CyclePolicyError(key, f"{key} cannot be negative (got {value}).")


VCA_POLICY = CyclePolicy(
    surveillance_max_gap_months=12,
    suspension_months=3,
    surveillance_name="interim audit",
    scheme="VCA scheme",
)
"""VCA with the same engine (DOMAIN.md 4.5): a certificate valid 3 years, an interim audit every
year (the first within 12 months, each next one within 12 months of the previous one's due
date), recertification before expiry. Phase 1 and phase 2 of the certification audit take the
places of stage 1 and stage 2. A deficiency from an interim audit left uncorrected leads to
suspension and, 3 months after that, withdrawal: hence a 3-month suspension limit. VCO's
first 1-year certificate would be `replace(VCA_POLICY, cycle_years=1)`."""


def suspension_ends(policy: CyclePolicy, suspended_on: date) -> date:
    """The last day a suspension may last before withdrawal or scope reduction (9.6.5)."""
    return add_months(suspended_on, policy.suspension_months)
