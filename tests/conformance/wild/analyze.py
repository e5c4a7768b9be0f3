#!/usr/bin/env python3
"""Turn a measured corpus into results.tsv and ranking.tsv (facts only, no one's files).
usage: analyze.py CORPUS BERTH_OUT OUT_DIR [NOTES.tsv]
  CORPUS    = folder of cases (CASE/SOURCE, CASE/config/..., CASE/expected/* from run-config-corpus.sh)
  BERTH_OUT = folder of berth's answers (BERTH_OUT/CASE/RUN.{rc,out,err})
  NOTES.tsv = optional hand-written reasons: case<TAB>run-glob<TAB>difference
Writes OUT_DIR/results.tsv (one row per run) and OUT_DIR/ranking.tsv."""
import os, re, sys, glob, json, fnmatch, collections
sys.path.insert(0, "/work/shared/kamal-oracle")
import yaml

class L(yaml.SafeLoader): pass
L.add_multi_constructor("!ruby/object:", lambda l, s, n: dict(l.construct_mapping(n, deep=True), _ruby_class=s) if isinstance(n, yaml.MappingNode) else l.construct_scalar(n))
L.add_multi_constructor("!ruby/", lambda l, s, n: l.construct_scalar(n) if isinstance(n, yaml.ScalarNode) else None)
def kload(t):
    t = re.sub(r"(^|\n)(\s*(?:- )*):([A-Za-z_]\w*):", r"\1\2\3:", t)
    t = re.sub(r"(:\s|- ):([A-Za-z_]\w*)\s*$", r"\1\2", t, flags=re.M)
    return yaml.load(t, Loader=L)
def norm(o):
    if isinstance(o, dict):
        # Kamal prints ssh proxies as Net::SSH::Proxy objects; berth as the string it was given
        if o.get("_ruby_class") == "Net::SSH::Proxy::Command": return str(o.get("command_line_template"))
        if o.get("_ruby_class") == "Net::SSH::Proxy::Jump": return str(o.get("jump_proxies"))
        return {str(k): norm(v) for k, v in o.items()}
    if isinstance(o, list): return [norm(x) for x in o]
    if isinstance(o, bool) or o is None: return o
    return str(o)
def diffs(a, b, path=""):
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a: out.append(f"{path}/{k}: only berth")
            elif k not in b: out.append(f"{path}/{k}: only kamal")
            else: out += diffs(a[k], b[k], f"{path}/{k}")
    elif a != b:
        out.append(f"{path}: kamal={json.dumps(a)[:80]} berth={json.dumps(b)[:80]}")
    return out

def first(s):
    for l in s.splitlines():
        if l.strip(): return l.strip()
    return ""
def clean(s, n=160):
    s = re.sub(r"/work/scratch[^ :'\"]*/work/[^/ ]+/", "", s)   # scratch copy paths
    s = s.replace("\t", " ")
    return s[:n]
def berth_msg(err):
    ls = [l.strip() for l in err.splitlines() if l.strip()]
    for l in ls:
        if re.match(r"(config/|\.kamal/|berth|ERROR|error)", l): return clean(l)
    return clean(ls[-1]) if ls else ""
def same_reason(km, bm):
    """heuristic: does berth's first error name what Kamal's names?"""
    m = re.sub(r"^ERROR \([\w:]+\): ", "", km)
    if "(<unknown>): " in m:  # YAML syntax errors: same complaint
        return m.split("(<unknown>): ", 1)[1][:25].lower() in bm.lower()
    mm = re.match(r"^([\w/.\-<>]+): unknown keys?: (.*)$", m) or re.match(r"^unknown keys?: (.*)$", m)
    if mm:
        keys = [k.strip() for k in mm.groups()[-1].split(",")]
        return "unknown key" in bm and any(k in bm for k in keys)
    mm = re.match(r"^([\w/.\-]+): (.*)$", m)
    if mm and "/" in mm.group(1) or (mm and mm.group(1) in ("service", "image", "proxy", "builder", "registry", "ssh", "boot", "servers", "env", "accessories")):
        return mm.group(1) + ":" in bm and mm.group(2)[:20].lower() in bm.lower()
    q = re.findall(r"\"([^\"]+)\"|- (\S+)$|rb_sysopen - (\S+)|constant (\S+)", m)
    names = [x for t in q for x in t if x]
    if names: return any(n in bm for n in names)
    return m[:40].lower() in bm.lower()
def kamal_msg(out, err):
    for l in out.splitlines():
        if l.startswith("  ERROR") or l.startswith("ERROR"): return clean(l.strip())
    e = first(err)
    m = re.search(r"\(erb\):\d+: .*|Could not find '[^']+'.*?\)|[A-Z]\w+(::\w+)*Error.*", e)
    return clean(m.group(0) if m else e or first(out))

CONSTRUCTS = [  # (name, regex over the code inside one ERB tag)
    ("ENV[...]", r"ENV\s*\["), ("ENV.fetch(name)", r"ENV\.fetch\(\s*[\"'][^\"']+[\"']\s*\)(?!\s*\{)"),
    ("ENV.fetch(name, default)", r"ENV\.fetch\(\s*[\"'][^\"']+[\"']\s*,"), ("ENV.fetch(name) { block }", r"ENV\.fetch\([^)]*\)\s*\{"),
    ("ENV[...] = (assignment)", r"ENV\s*\[[^\]]+\]\s*\|\|?=|ENV\s*\[[^\]]+\]\s*=[^=]"), ("ENV.key?/include?/has_key?", r"ENV\.(key\?|include\?|has_key\?)"),
    ("|| default", r"\|\|(?!=)"), ("||= ", r"\|\|="), ("ternary a ? b : c", r"\?\s*[^:?]+\s:\s"),
    ("if/unless statement", r"^\s*-?\s*(if|unless)\b"), ("else/elsif", r"^\s*-?\s*(else|elsif)\b"), ("modifier if/unless", r"\S\s+(if|unless)\s+\S"),
    ("loop (.each/.times/for)", r"\.each\b|\.each_with_index|\.times\b|^\s*for\s"), (".map/.select/.reject", r"\.(map|select|reject|filter_map|flat_map)\b"),
    (".split", r"\.split\b"), (".strip/.chomp", r"\.(strip|chomp|lstrip|rstrip)\b"), (".to_i/.to_s/.to_sym", r"\.to_(i|s|sym|f)\b"),
    (".present?/.blank?/.presence", r"\.(present\?|blank\?|presence)\b"), (".empty?/.nil?", r"\.(empty\?|nil\?)"),
    (".downcase/.upcase/.capitalize", r"\.(downcase|upcase|capitalize)\b"), (".gsub/.sub/.tr", r"\.(gsub|sub|tr)\b"),
    (".join", r"\.join\b"), (".first/.last", r"\.(first|last)\b"), (".delete_prefix/.delete_suffix", r"\.delete_(prefix|suffix)\b"),
    (".to_json/JSON", r"\.to_json\b|JSON\."), ("string interpolation #{}", r"#\{"), ("== / != comparison", r"[=!]="),
    ("File.read", r"File\.read\b"), ("File.exist?", r"File\.exists?\?"), ("File.expand_path/File.join/__dir__", r"File\.(expand_path|join|dirname|basename)|__dir__"),
    ("Dir.* ", r"Dir\.|Dir\["), ("require", r"\brequire\s*\(?\s*[\"']"), ("require_relative", r"require_relative"),
    ("Dotenv.load/overload", r"Dotenv\.(load|overload)"), ("Dotenv.parse", r"Dotenv\.parse"),
    ("backticks `cmd`", r"`[^`]*`"), ("%x() / system", r"%x[\(\{\[]|\bsystem\(|IO\.popen|Open3"),
    ("YAML.*", r"YAML\.|Psych\."), ("Time/Date", r"\bTime\.|\bDate\."), ("Rails.*", r"\bRails\."), ("Gem::*", r"\bGem::"),
    ("local variable assignment", r"^\s*-?\s*[a-z_]\w*\s*=[^=~]"), ("constant assignment", r"^\s*-?\s*[A-Z]\w*\s*=[^=]"),
    ("raise/abort", r"\braise\b|\babort\b"), ("hash/array literal", r"\{\s*[\"':\w]+\s*(=>|:)|(?<!ENV)(?<![\w\]])\[\s*[\"'\d]"),
    ("regex =~/match", r"=~|\.match\??\b"), (".freeze", r"\.freeze\b"), ("case/when", r"\bcase\b.*|\bwhen\b"),
    ("Socket/URI/SecureRandom", r"\b(Socket|URI|SecureRandom|Etc)\b"),
]
def erb_tags(text):
    return re.findall(r"<%(?![%])(-|=|#)?(.*?)-?%>", text, flags=re.S)

def main():
    corpus, bout, outdir = sys.argv[1:4]
    notes = []
    if len(sys.argv) > 4:
        for l in open(sys.argv[4]):
            if l.startswith("#") or not l.strip(): continue
            c, r, d = l.rstrip("\n").split("\t")[:3]; notes.append((c, r, d))
    rows = []; per_case = {}
    cases = sorted(d for d in os.listdir(corpus) if os.path.isdir(os.path.join(corpus, d, "expected")))
    for case in cases:
        cd = os.path.join(corpus, case)
        src = [l.split() for l in open(os.path.join(cd, "SOURCE")) if l.strip()]
        repo = src[0][0]; commit = src[0][1]; paths = ",".join(sorted(s[2] for s in src))
        text = ""
        for f in sorted(glob.glob(os.path.join(cd, "config", "deploy*.yml"))):
            try: text += open(f, encoding="utf-8", errors="replace").read() + "\n"
            except Exception: pass
        secrets = ""
        for f in sorted(glob.glob(os.path.join(cd, ".kamal", "secrets*"))):
            secrets += open(f, encoding="utf-8", errors="replace").read() + "\n"
        per_case[case] = dict(repo=repo, text=text, secrets=secrets, runs=[])
        for rcf in sorted(glob.glob(os.path.join(cd, "expected", "*.rc"))):
            run = os.path.basename(rcf)[:-3]
            krc = int((open(rcf).read().strip() or "1"))
            kout = open(rcf[:-3] + ".out", errors="replace").read()
            kerr = open(rcf[:-3] + ".err", errors="replace").read() if os.path.exists(rcf[:-3] + ".err") else ""
            bp = os.path.join(bout, case, run)
            if not os.path.exists(bp + ".rc"): continue
            brc = int(open(bp + ".rc").read().strip() or "1")
            bo = open(bp + ".out", errors="replace").read(); be = open(bp + ".err", errors="replace").read()
            k = "accept" if krc == 0 else "reject"; b = "accept" if brc == 0 else "reject"
            km = "-" if krc == 0 else kamal_msg(kout, kerr); bm = "-" if brc == 0 else berth_msg(be)
            agree = "yes" if k == b else "no"; values = "-"; diff = ""
            if k == b == "accept":
                try:
                    d = diffs(norm(kload(kout)), norm(yaml.safe_load(bo)))
                    values = "same" if not d else "differ"
                    if d: diff = "values: " + " ; ".join(d)[:300]
                except Exception as e:
                    values = "unparsed"; diff = f"output not parsed: {str(e)[:80]}"
            elif k == b == "reject":
                values = "same-reason" if same_reason(km, bm) else "other-reason"
                if values == "other-reason": diff = "both reject, berth for another reason: " + bm
            elif k != b:
                diff = ("berth rejects: " + bm) if b == "reject" else ("berth accepts; Kamal: " + km)
            if agree == "no" or values in ("differ", "other-reason"):
                for c, r, d in notes:
                    if fnmatch.fnmatch(case, c) and fnmatch.fnmatch(run, r):
                        diff = d
                        if d.startswith("same in substance"): values = "same-reason"
            rows.append([case, repo, commit, paths, run, k, km, b, bm, agree, values, diff.replace("\t", " ")])
            per_case[case]["runs"].append((run, k, km, b, agree, values, diff))
    with open(os.path.join(outdir, "results.tsv"), "w") as o:
        o.write("case\trepository\tcommit\tpaths\trun\tkamal\tkamal_message\tberth\tberth_message\tagree\tvalues\tdifference\n")
        for r in rows: o.write("\t".join(r) + "\n")
    # ---- ranking
    def repos_of(pred): return {per_case[c]["repo"] for c in per_case if pred(c)}
    def disagrees(c): return any(r[4] == "no" or r[5] in ("differ", "other-reason") for r in per_case[c]["runs"])
    rank = []
    for name, rx in CONSTRUCTS:
        rxc = re.compile(rx, re.M)
        use = lambda c: any(kind != "#" and rxc.search(code) for kind, code in erb_tags(per_case[c]["text"]))
        u = repos_of(use)
        if u: rank.append(("erb", name, len(u), len(repos_of(lambda c: use(c) and disagrees(c)))))
    for name, rx in [("ERB tag at all", r"<%"), ("<%# comment %>", r"<%#"), ("trim -%> / <%-", r"-%>|<%-")]:
        u = repos_of(lambda c: re.search(rx, per_case[c]["text"]))
        if u: rank.append(("erb-tags", name, len(u), len(repos_of(lambda c: re.search(rx, per_case[c]["text"]) and disagrees(c)))))
    for name, rx in [("$(command)", r"\$\("), ("$(kamal secrets fetch …)", r"kamal secrets fetch"), ("$(kamal secrets extract …)", r"kamal secrets extract"),
                     ("$VAR / ${VAR}", r"\$\{?[A-Z_][A-Z0-9_]*"), ("$(cat file)", r"\$\(\s*cat\b"), ("op / 1Password", r"\bop\b|--adapter[= ]1password"),
                     ("bitwarden", r"bitwarden|\bbw\b"), ("aws/ssm", r"\baws\b|aws_secrets_manager"), ("doppler", r"doppler"), ("gh CLI", r"\$\(\s*gh\b"),
                     ("rails credentials", r"rails credentials|bin/rails"), ("literal value", r"^\s*[A-Z_]+=[^$\s]")]:
        u = repos_of(lambda c: re.search(rx, per_case[c]["secrets"], re.M))
        if u: rank.append(("secrets", name, len(u), len(repos_of(lambda c: re.search(rx, per_case[c]["secrets"], re.M) and disagrees(c)))))
    # Kamal's rejection messages, normalised; one repository counted once per message
    msgs = collections.defaultdict(set); mdis = collections.defaultdict(set)
    for c in per_case:
        for run, k, km, b, agree, values, diff in per_case[c]["runs"]:
            if k != "reject": continue
            m = re.sub(r"^ERROR \((Kamal::ConfigurationError)\): ", "", km)
            m = re.sub(r"^ERROR \(([\w:]+)\): ", r"\1: ", m)
            m = re.sub(r"(key not found|uninitialized constant|unknown roles?|No such file or directory[^-]*-|Could not find)[: ].*", r"\1 …", m)
            m = re.sub(r"^servers/[\w\-]+", "servers/<role>", m); m = re.sub(r"^accessories/[\w\-]+", "accessories/<name>", m)
            m = re.sub(r"(env/(clear|secret)|tags/[\w\-]+/env|labels|builder/args)/[\w\-]+", r"\1/<NAME>", m); m = re.sub(r"/\d+(?=[/:])", "/<n>", m)
            m = re.sub(r"'[^']*'", "'…'", m)[:120]
            uk = re.match(r"^(?:([\w/]+): )?unknown keys?: (.*)$", m)
            ms = [f"{uk.group(1) + ': ' if uk.group(1) else ''}unknown key: {k.strip()}" for k in uk.group(2).split(",")] if uk else [m]
            for m in ms:
                msgs[m].add(per_case[c]["repo"])
                if agree == "no" or values == "other-reason": mdis[m].add(per_case[c]["repo"])
    for m, s in msgs.items(): rank.append(("kamal-rejects", m, len(s), len(mdis[m])))
    # the reasons of disagreements
    reasons = collections.defaultdict(set)
    for c in per_case:
        for run, k, km, b, agree, values, diff in per_case[c]["runs"]:
            if agree == "no" or values in ("differ", "other-reason"): reasons[re.sub(r" \(in `.*", "", diff)[:140]].add(per_case[c]["repo"])
    for m, s in reasons.items(): rank.append(("disagreement", m, len(s), len(s)))
    order = {"disagreement": 0, "erb": 1, "erb-tags": 2, "secrets": 3, "kamal-rejects": 4}
    rank.sort(key=lambda r: (order[r[0]], -r[2], r[1]))
    with open(os.path.join(outdir, "ranking.tsv"), "w") as o:
        o.write("kind\twhat\trepositories\trepositories_with_a_disagreement\n")
        for r in rank: o.write(f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\n")
    # summary on stdout
    n = len(rows); acc = sum(r[9] == "yes" for r in rows); both = [r for r in rows if r[5] == r[7] == "accept"]
    same = sum(r[10] == "same" for r in both)
    caseok = sum(all(r[4] == "yes" and r[5] != "differ" for r in per_case[c]["runs"]) for c in per_case)
    print(f"cases {len(per_case)} repositories {len({per_case[c]['repo'] for c in per_case})} runs {n}")
    print(f"accept/reject agree {acc}/{n} = {100*acc/n:.1f}%")
    print(f"values same on runs both accepted {same}/{len(both)} = {100*same/max(1,len(both)):.1f}%")
    br = [r for r in rows if r[5] == r[7] == "reject"]; sr = sum(r[10] == "same-reason" for r in br)
    print(f"both rejected, berth's first error names Kamal's (heuristic) {sr}/{len(br)} = {100*sr/max(1,len(br)):.1f}%")
    print(f"cases with every run agreeing (and same values) {caseok}/{len(per_case)} = {100*caseok/len(per_case):.1f}%")
    full = sum(not disagrees(c) for c in per_case)
    print(f"cases with every run agreeing, same values, and (rejections) the same first error {full}/{len(per_case)} = {100*full/len(per_case):.1f}%")
main()
