#!/usr/bin/env python3
"""Scores event lists with the real `timescoring` package (PyPI) and prints the results as JSON,
so the Swift tests can check that Crampwatch's EventScore agrees.

stdin: {"cases": [{"reference": [[on, off], ...], "detected": [...], "duration": s,
                   "toleranceStart": s, "toleranceEnd": s, "minOverlap": f,
                   "maxEventDuration": s, "minDurationBetweenEvents": s}, ...]}
stdout: [{"tp": n, "fp": n, "refTrue": n, "sensitivity": x, "precision": x, "f1": x}, ...]"""
import json
import math
import sys

try:
    from timescoring import scoring
    from timescoring.annotations import Annotation
except ImportError:
    sys.exit("timescoring is not installed: pip install timescoring (scripts/setup-system.sh does this)")

out = []
for c in json.load(sys.stdin)["cases"]:
    n = round(c["duration"] * 10)
    ref = Annotation([tuple(e) for e in c["reference"]], 10, n)
    hyp = Annotation([tuple(e) for e in c["detected"]], 10, n)
    p = scoring.EventScoring.Parameters(toleranceStart=c["toleranceStart"], toleranceEnd=c["toleranceEnd"], minOverlap=c["minOverlap"],
                                        maxEventDuration=c["maxEventDuration"], minDurationBetweenEvents=c["minDurationBetweenEvents"])
    s = scoring.EventScoring(ref, hyp, p)
    clean = lambda x: None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
    out.append({"tp": int(s.tp), "fp": int(s.fp), "refTrue": int(s.refTrue),
                "sensitivity": clean(s.sensitivity), "precision": clean(s.precision), "f1": clean(s.f1)})
print(json.dumps(out))
