"""How a model's BABILong answers relate to the "last-mentioned answer" rule (issue 11, item 4):
from a titans-eval run whose suite has the rule as a model (`answerer = last-mentioned`),

    /usr/bin/python3 scripts/train/vs_rule.py RUN/units.csv

prints, per model, task and length: the model's score, how many of its answers are the rule's,
and how many it gets right where the rule is wrong. A model that learned the answer's form but
not whose location is asked answers as the rule does and is at chance where the rule is wrong.
"""
import argparse
import collections
import csv
import re
import sys

RULE = "last-mentioned"


def clean(answer):
    """An answer as the rule gives it: units.csv's \\xHH escapes decoded (docs/results-format.md),
    without the surrounding spaces, newline and final dot, lower case."""
    text = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), answer)
    return text.strip(" .\n").lower()


def compare(rows):
    """{(model, task, variant, length): Counter of n, right, same (as the rule), rule_wrong and
    right_there (right where the rule is wrong)}"""
    rule = {(r["task"], r["variant"], r["length"], r["sample"]): r for r in rows if r["model"] == RULE}
    if not rule:
        raise SystemExit(f"vs_rule.py: no '{RULE}' rows: add the rule to the suite "
                         f"([model.{RULE}] answerer = {RULE})")
    out = collections.defaultdict(collections.Counter)
    for r in rows:
        key = (r["task"], r["variant"], r["length"], r["sample"])
        if r["model"] == RULE or r["family"] != "babilong" or key not in rule:
            continue
        hit, rule_hit = float(r["score"]) == 1, float(rule[key]["score"]) == 1
        out[(r["model"],) + key[:3]].update(
            n=1, right=hit, same=clean(r["prediction"]) == clean(rule[key]["prediction"]),
            rule_wrong=not rule_hit, right_there=hit and not rule_hit)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("units", help="a titans-eval run's units.csv")
    a = p.parse_args()
    try:
        with open(a.units, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as err:
        raise SystemExit(f"vs_rule.py: {a.units}: cannot read ({err.strerror})")
    except (UnicodeDecodeError, csv.Error) as err:
        raise SystemExit(f"vs_rule.py: {a.units}: not a titans-eval units.csv ({err})")
    fields = {"model", "task", "family", "variant", "length", "sample", "score", "prediction"}
    missing = fields - set(rows[0] if rows else {})
    if not rows or missing:
        raise SystemExit(f"vs_rule.py: {a.units}: not a titans-eval units.csv "
                         f"(missing {', '.join(sorted(missing)) or 'rows'})")
    for line, r in enumerate(rows, start=2):
        if None in r or any(r[k] is None for k in fields):  # a row too long or too short
            raise SystemExit(f"vs_rule.py: {a.units}: line {line}: a row is not a titans-eval "
                             "unit (too few or too many fields)")
    try:
        table = compare(rows)
    except (TypeError, ValueError, AttributeError) as err:  # a short row, a score not a number
        raise SystemExit(f"vs_rule.py: {a.units}: a row is not a titans-eval unit ({err})")
    print("| model | task | length | right | answers the rule's | right where the rule is wrong |")
    print("|---|---|---:|---:|---:|---:|")
    for (model, task, variant, length), c in sorted(table.items()):
        print(f"| {model} | {variant} | {length} | {c['right']} of {c['n']} | {c['same']} of {c['n']} "
              f"| {c['right_there']} of {c['rule_wrong']} |")


if __name__ == "__main__":
    sys.exit(main())
