#!/usr/bin/python3
"""Leave-one-category-out cross-validation of nab_run parameter sets on the
NAB development set (never the evaluation set).

usage: bench/nab/cv.py [-j JOBS] [--set DIR] [--cache DIR] VARIANTS_FILE

VARIANTS_FILE: one variant a line, "family<TAB>name<TAB>nab_run options";
'#' starts a comment.  Every variant runs once over the whole set (cached by
its options in --cache); the per-file results of nab_events.score_file are
pooled per category.  For every family and every category c, the variant of
the family with the best NAB score on the other categories is chosen and
scored on c; the held-out figure of the family is the NAB score (and event
F1) of those choices pooled over all c.  A family with one variant gives its
plain per-category figures pooled, i.e. in-sample = held-out.

Prints, per variant, the in-sample NAB / F1 / recall / false episodes and,
per family, the held-out NAB / F1 and the variant chosen for each fold.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(TOP), "shared"))
sys.path.insert(0, os.path.join(SHARED, "tools"))
import nab_events  # noqa: E402


def run_variant(nab_run, setdir, files, opts, cache):
    h = hashlib.sha1((opts + "|" + nab_run).encode()).hexdigest()[:16]
    out = os.path.join(cache, h + ".json")
    if not os.path.exists(out):
        tmp = out + ".tmp"
        subprocess.run([nab_run] + opts.split() + ["-o", tmp, "-D",
                       os.path.join(setdir, "data")] + files, check=True,
                       stderr=subprocess.DEVNULL)
        os.rename(tmp, out)
    return out


def pooled(parts):
    return nab_events.summarise(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("variants")
    ap.add_argument("--set", default=os.path.join(SHARED, "data", "nab"))
    ap.add_argument("--cache", default="/tmp/nab-cv-cache")
    ap.add_argument("--nab-run", default=os.environ.get("NAB_RUN",
                    "./bench/nab/nab_run"))
    ap.add_argument("-j", type=int, default=2)
    a = ap.parse_args()
    if "nab-aws" in os.path.basename(os.path.normpath(a.set)):
        sys.exit("cv.py: the evaluation set is not for cross-validation")
    os.makedirs(a.cache, exist_ok=True)
    nab_run = os.path.abspath(a.nab_run)
    variants = []
    with open(a.variants) as f:
        for line in f:
            line = line.split("#", 1)[0].rstrip()
            if not line.strip():
                continue
            fam, name, opts = (line.split("\t") + ["", ""])[:3]
            variants.append((fam.strip(), name.strip(), opts.strip()))
    labels = os.path.join(a.set, "labels", "combined_windows.json")
    data = os.path.join(a.set, "data")
    with open(labels) as f:
        keys = sorted(json.load(f))
    with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
        outs = list(ex.map(lambda v: run_variant(nab_run, a.set, keys, v[2],
                                                 a.cache), variants))
    cats = sorted({k.split("/")[0] for k in keys})
    # per variant: per category list of per-file results
    res = {}
    for (fam, name, opts), out in zip(variants, outs):
        with open(out) as f:
            det = json.load(f)
        per_file, _, _ = nab_events.score([labels], [data], det, warn=None)
        bycat = {c: [] for c in cats}
        for k, r in per_file.items():
            bycat[k.split("/")[0]].append(r)
        res[(fam, name)] = bycat
    print("variant\tfamily\tNAB\tF1\trecall\tfalse_ep\t" +
          "\t".join(c[:10] for c in cats))
    for fam, name, opts in variants:
        bc = res[(fam, name)]
        s = pooled([r for c in cats for r in bc[c]])
        percat = []
        for c in cats:
            sc = pooled(bc[c])
            percat.append("%.1f" % sc["nab_norm"] if sc["nab_norm"]
                          is not None else "fp%d" % sc["false_episodes"])
        print("%s\t%s\t%.1f\t%.3f\t%.3f\t%d\t%s" % (
            name, fam, s["nab_norm"], s["f1"], s["recall"],
            s["false_episodes"], "\t".join(percat)))
    print()
    print("family\tvariants\theld-out NAB\theld-out F1\tbest in-sample NAB\tchoices")
    for fam in dict.fromkeys(v[0] for v in variants):
        names = [v[1] for v in variants if v[0] == fam]
        held = []
        choice = []
        for c in cats:
            best = None
            for n in names:
                tr = pooled([r for d in cats if d != c
                             for r in res[(fam, n)][d]])
                if best is None or tr["nab_norm"] > best[0] + 1e-9:
                    best = (tr["nab_norm"], n)
            held.extend(res[(fam, best[1])][c])
            choice.append("%s:%s" % (c[:6], best[1]))
        h = pooled(held)
        ins = max(pooled([r for c in cats for r in res[(fam, n)][c]])
                  ["nab_norm"] for n in names)
        print("%s\t%d\t%.1f\t%.3f\t%.1f\t%s" % (fam, len(names),
              h["nab_norm"], h["f1"], ins, " ".join(choice)))


if __name__ == "__main__":
    main()
