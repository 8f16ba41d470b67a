#!/usr/bin/env python3
"""Chooses the architecture-agreement threshold and k of the neighbour
classifier on the training architectures only (amd64 and i386).

Usage: select_agreement.py FEATURES.jsonl SCHEME [--min-groups 15]

The agreement filter keeps an n-gram only if, over the packages that have
it in either training architecture, at least a fraction `a` have it in
both (see TransformOptions::min_arch_agreement). Choosing `a` on the test
architectures would be tuning on the test set, and choosing it on the same
amd64/i386 pairs it is computed from would be circular. So, for three
random stratified halvings of the packages, and each half H in turn:

  - the agreement of every n-gram is computed on the *other* half's
    packages (amd64 vs i386 builds);
  - vocabulary (n-grams in >= min_groups packages, scaled to the half's
    size), IDF and the neighbour rows come from H's amd64 builds;
  - H's i386 builds are classified by their nearest amd64 neighbours.

The mean accuracy and false-positive rate over the six runs are printed
for each `a` and k, and the best (highest accuracy, then lowest FPR, then
the smaller a) is printed last as `best: a=... k=...`. It mirrors vexil's
transform (sublinear TF, group-weighted IDF, L2) in numpy; vexil-learn's
code does the real training.
"""
import argparse
import collections
import json

import numpy as np
import scipy.sparse as sp

ap = argparse.ArgumentParser()
ap.add_argument("features")
ap.add_argument("scheme")
ap.add_argument("--min-groups", type=int, default=15)
args = ap.parse_args()

meta, vecs = [], []
with open(args.features) as f:
    for line in f:
        o = json.loads(line)
        arch = o.get("label_arch") or o.get("arch")
        if "error" in o or arch not in ("amd64", "i386"):
            continue
        fam = [x for x in o.get("features", []) if x["spec"]["scheme"] == args.scheme]
        if fam:
            meta.append((o.get("group") or o["path"], arch, o.get("label")))
            vecs.append(fam[0]["vec"])
if not vecs:
    raise SystemExit(f"no amd64/i386 samples with scheme {args.scheme} in {args.features}")
y = np.array([1 if m[2] in ("attack", "malicious", "malware") else 0 for m in meta])
groups = np.array([m[0] for m in meta])
archs = np.array([m[1] for m in meta])
indptr, ind, val = [0], [], []
for v in vecs:
    ind.extend(v["idx"])
    val.extend(v["val"])
    indptr.append(len(ind))
X = sp.csr_matrix((np.array(val, dtype=np.float64), np.array(ind), np.array(indptr)),
                  shape=(len(vecs), vecs[0]["dim"]))
Xb = (X > 0).astype(np.float64).tocsr()
n_packages = len(set(groups))


def presence(ids):
    names = sorted(set(groups[ids]))
    at = {g: k for k, g in enumerate(names)}
    G = sp.csr_matrix((np.ones(len(ids)), ([at[groups[i]] for i in ids], np.arange(len(ids)))),
                      shape=(len(names), len(ids)))
    return names, ((G @ Xb[ids]) > 0).tocsr()


def agreement(packages):
    a = np.array([i for i in range(len(y)) if groups[i] in packages and archs[i] == "amd64"])
    b = np.array([i for i in range(len(y)) if groups[i] in packages and archs[i] == "i386"])
    na, pa = presence(a)
    nb, pb = presence(b)
    common = sorted(set(na) & set(nb))
    pa = pa[[na.index(g) for g in common]]
    pb = pb[[nb.index(g) for g in common]]
    both = np.asarray(pa.multiply(pb).sum(axis=0)).ravel()
    anyp = np.asarray(((pa + pb) > 0).sum(axis=0)).ravel()
    return both / np.maximum(anyp, 1)


def run(train, test, agree, a, ks):
    names, p = presence(train)
    in_groups = np.asarray(p.sum(axis=0)).ravel()
    keep = np.where(in_groups >= args.min_groups * len(names) / n_packages)[0]
    if a > 0:
        keep = keep[agree[keep] >= a]
    per = collections.Counter(groups[train])
    w = np.array([1.0 / per[groups[i]] for i in train])
    df = np.asarray(Xb[train][:, keep].T @ w).ravel()
    idf = np.log((1 + w.sum()) / (1 + df)) + 1
    Xk = X[:, keep].copy()
    Xk.data = np.log1p(Xk.data)
    Xk = sp.csr_matrix(Xk @ sp.diags(idf))
    norm = np.sqrt(np.asarray(Xk.multiply(Xk).sum(axis=1)).ravel())
    norm[norm == 0] = 1
    Xk = sp.csr_matrix(sp.diags(1 / norm) @ Xk)
    S = (Xk[test] @ Xk[train].T).toarray()
    out = {}
    yt = y[train]
    for k in ks:
        # score as vexil's: mean of the k best similarities per class
        pos = np.sort(np.where(yt == 1, S, -1), axis=1)[:, ::-1][:, :k].mean(axis=1)
        neg = np.sort(np.where(yt == 0, S, -1), axis=1)[:, ::-1][:, :k].mean(axis=1)
        pred = pos > neg
        yy = y[test]
        out[k] = (np.mean(pred == yy), np.sum(pred & (yy == 0)) / max(1, np.sum(yy == 0)), len(keep))
    return out


packages = sorted(set(groups))
cls = {g: int(round(y[groups == g].mean())) for g in packages}
grid = (0.0, 0.3, 0.5, 0.6, 0.7, 0.85)
ks = (1, 3)
res = collections.defaultdict(list)
for seed in range(3):
    rng = np.random.RandomState(seed)
    halves = [[], []]
    for c in (0, 1):
        gs = [g for g in packages if cls[g] == c]
        rng.shuffle(gs)
        for j, g in enumerate(gs):
            halves[j % 2].append(g)
    for h in (0, 1):
        mine, other = set(halves[h]), set(halves[1 - h])
        agree = agreement(other)
        train = np.array([i for i in range(len(y)) if groups[i] in mine and archs[i] == "amd64"])
        test = np.array([i for i in range(len(y)) if groups[i] in mine and archs[i] == "i386"])
        for a in grid:
            for k, v in run(train, test, agree, a, ks).items():
                res[(a, k)].append(v)
print("| agreement | k | accuracy (i386 from amd64) | FPR | features |")
print("|---|---|---|---|---|")
best = None
for key in sorted(res):
    v = np.array(res[key])
    acc, fpr, nf = v[:, 0].mean(), v[:, 1].mean(), v[:, 2].mean()
    print(f"| {key[0]:.2f} | {key[1]} | {acc:.4f} | {fpr:.4f} | {nf:.0f} |")
    cand = (-round(acc, 4), round(fpr, 4), key[0], key[1])
    if best is None or cand < best:
        best = cand
print(f"best: a={best[2]} k={best[3]}")
