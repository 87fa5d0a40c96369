"""Certification decisions (ISO/IEC 17021-1 9.5-9.7; DOMAIN.md 1.7). No Flask.

- `file`: what a decision rests on (the audits, their released reports and acceptance, the
  recommendation, every nonconformity with its state and answers);
- `gates`: the rules checked before a decision, each a function with a test named after it;
- `outcomes`: taking the decision, with what follows for the cycle and the certificate;
- `queue`: what waits for a decision maker, audits or not (an overdue surveillance);
- `appeals`: appeals against a decision, decided by someone who took no part in it.
"""
