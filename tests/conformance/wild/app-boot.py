#!/usr/bin/env python3
"""Summarise `app boot` dry-run comparisons: Kamal's golden (golden.py --only app_boot.txt)
against berth's plan (tests/conformance/sequences.py), one case per folder.
usage: app-boot.py GOLD_OUT CASES > app-boot.tsv   (app-boot-notes.tsv beside it: hand-checked results)
  GOLD_OUT/CASE/commands/app_boot.txt  Kamal's recording;  GOLD_OUT/CASE/berth.tap  sequences.py's TAP
The one known harness difference is discounted: sequences.py gives berth placeholder files
for secrets read with $(cat FILE), where Kamal's recording had none and took the failed
command's empty output (berth refuses a failing command; see kamal-sequences-differences.tsv)."""
import os, re, sys
gold, cases = sys.argv[1:3]
notes = {}
npath = os.path.join(os.path.dirname(os.path.abspath(__file__)), "app-boot-notes.tsv")
if os.path.exists(npath):
    for l in open(npath):
        if l.strip() and not l.startswith("#"):
            c, r, d = l.rstrip("\n").split("\t")[:3]; notes[c] = (r, d)
print("case\trepository\tcommit\tkamal_exit\tresult\tdetail")
tot = {}
for c in sorted(os.listdir(gold)):
    g = os.path.join(gold, c, "commands", "app_boot.txt"); tap = os.path.join(gold, c, "berth.tap")
    src = os.path.join(cases, c, "SOURCE")
    repo, commit = (open(src).read().split()[:2] if os.path.exists(src) else ("?", "?"))
    if not os.path.exists(g):
        res, det, kx = "no-recording", "golden.py did not finish (timeout or error)", "-"
    else:
        kx = re.search(r"# exit: (\d+)", open(g).read()).group(1)
        t = open(tap).read() if os.path.exists(tap) else ""
        if kx != "0": res, det = "kamal-failed", (re.search(r"# error: (.*)", open(g).read()) or [None, ""])[1][:120]
        elif t.startswith("ok "): res, det = "same", ""
        elif "Traceback (most recent call last)" in t:
            res, det = "harness-error", (re.findall(r"\n(\w+Error: [^\n]*)", t) or [""])[-1][:120]
        elif "berth exited 1" in t and re.search(r"error: [^\n]*\.kamal/secrets[^:]*:\d+: \w+: command `\$\(", t):
            m = re.search(r"error: [^\n]*?(\.kamal/secrets[^:]*:\d+: \w+): command", t)
            res, det = "berth-refuses-failing-secret-command", (m.group(1) if m else "") + ": Kamal takes the failed $(…)'s empty output, berth stops (deliberate)"
        else:
            minus = [l[5:] for l in t.splitlines() if l.startswith("#   -") and not l.startswith("#   ---")]
            plus = [l[5:] for l in t.splitlines() if l.startswith("#   +") and not l.startswith("#   +++")]
            # discount the placeholder-secret difference: "  | K=" (Kamal) vs "  | K=[SECRET:K]" (berth)
            mk = [m for m in minus if not re.fullmatch(r"  \| ([A-Za-z_]\w*)=", m)]
            pk = [p for p in plus if not re.fullmatch(r"  \| ([A-Za-z_]\w*)=\[SECRET:\1\]", p)]
            def only(a, b):  # words of a not in b; the last word may be cut off by the TAP's line limit
                wa, wb = a.split()[:-1], b.split()
                return [w for w in wa if w not in wb and not any(x.startswith(w) for x in wb) and "[SECRET:" not in w]
            red = mk and len(mk) == len(pk) and all(all("[REDACTED]" in w for w in only(b, a)) and (only(b, a) or only(a, b) == []) for a, b in zip(mk, pk))
            if not mk and not pk and minus: res, det = "same-but-placeholder-secrets", f"{len(minus)} secret line(s)"
            elif red: res, det = "berth-redacts-more", f"{len(mk)} line(s): berth prints [REDACTED] where a value equals a secret's (host, service name, env value); Kamal prints it"
            elif not minus and not plus: res, det = "differ", re.sub(r"\s+", " ", t.splitlines()[1] if len(t.splitlines()) > 1 else t)[:160]
            else: res, det = "differ", ("kamal: " + (mk[0] if mk else "-")[:110] + " | berth: " + (pk[0] if pk else "-")[:110]).replace("\t", " ")
    if c in notes and res not in ("same",): res, det = notes[c]
    tot[res] = tot.get(res, 0) + 1
    print(f"{c}\t{repo}\t{commit}\t{kx}\t{res}\t{det}")
print(" ".join(f"{k}={v}" for k, v in sorted(tot.items())), file=sys.stderr)
