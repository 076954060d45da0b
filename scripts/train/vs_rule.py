"""How a model's BABILong answers relate to the "last-mentioned answer" rule (issue 11, item 4):
from a titans-eval run whose suite has the rule as a model (`answerer = last-mentioned`),

    /usr/bin/python3 scripts/train/vs_rule.py RUN/units.csv

prints, per model, task and length: the model's score, how many of its answers are the rule's,
and how many it gets right where the rule is wrong. A model that learned the answer's form but
not whose location is asked answers as the rule does and is at chance where the rule is wrong.
"""
import argparse
import csv
import sys

RULE = "last-mentioned"


def clean(answer):
    """An answer as the rule gives it: the words, without the newline, spaces and final dot."""
    return answer.replace("\\x0a", " ").strip(" .\n").lower()


def compare(rows):
    """{(model, task, variant, length): (n, right, same as the rule, rule wrong, right there)}"""
    rule = {(r["task"], r["variant"], r["length"], r["sample"]): r for r in rows if r["model"] == RULE}
    if not rule:
        raise SystemExit(f"vs_rule.py: no '{RULE}' rows: add the rule to the suite "
                         f"([model.{RULE}] answerer = {RULE})")
    out = {}
    for r in rows:
        key = (r["task"], r["variant"], r["length"], r["sample"])
        if r["model"] == RULE or r["family"] != "babilong" or key not in rule:
            continue
        n, right, same, wrong, right_there = out.get((r["model"],) + key[:3], (0, 0, 0, 0, 0))
        hit, rule_hit = r["score"] == "1", rule[key]["score"] == "1"
        out[(r["model"],) + key[:3]] = (n + 1, right + hit,
                                        same + (clean(r["prediction"]) == clean(rule[key]["prediction"])),
                                        wrong + (not rule_hit), right_there + (hit and not rule_hit))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("units", help="a titans-eval run's units.csv")
    a = p.parse_args()
    try:
        rows = list(csv.DictReader(open(a.units, newline="")))
        missing = {"model", "task", "family", "variant", "length", "sample", "score",
                   "prediction"} - set(rows[0] if rows else {})
    except OSError as err:
        raise SystemExit(f"vs_rule.py: {a.units}: cannot read ({err.strerror})")
    if not rows or missing:
        raise SystemExit(f"vs_rule.py: {a.units}: not a titans-eval units.csv "
                         f"(missing {', '.join(sorted(missing)) or 'rows'})")
    print("| model | task | length | right | answers the rule's | right where the rule is wrong |")
    print("|---|---|---:|---:|---:|---:|")
    for (model, task, variant, length), (n, right, same, wrong, there) in sorted(compare(rows).items()):
        print(f"| {model} | {variant} | {length} | {right} of {n} | {same} of {n} | {there} of {wrong} |")


if __name__ == "__main__":
    sys.exit(main())
