#!/usr/bin/env python3
"""Whole command sequences: berth's dry-run plan against what Kamal 2.12 sent.

For a case of ../shared/conformance/kamal-commands and one of its recorded
commands, this builds the scratch repository the goldens were recorded in
(the case's files, a FROM scratch Dockerfile, one commit by "Deployer"),
runs the same command through berth with BERTH_DRY_RUN_ANSWERS holding the
goldens' canned answers (their README's table), masks the random and
personal parts as the goldens do, applies the deliberate differences of
tests/conformance/kamal-sequences-differences.tsv, and compares the two
plans line by line, in order, per host (Kamal runs hosts, and an
on_roles step's roles, in parallel: the order across hosts is not Kamal's
to keep, the goldens' recording picked one).

usage: sequences.py BERTH CASE_DIR FILE.txt [FILE.txt ...]
Prints TAP, one test per command file.
"""
import base64
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DIFFS = os.path.join(HERE, "kamal-sequences-differences.tsv")

# The README's canned answers, as BERTH_DRY_RUN_ANSWERS lines (first match wins).
ANSWERS = [
    ("CAPTURE", "docker inspect kamal-proxy --format", 0, "v0.9.2"),
    ("CAPTURE", "base64 -d", 0,
     "Locked by: Deployer at 2026-01-01T00:00:00Z\\nVersion: v42\\nMessage: Manual lock"),
    ("CAPTURE", "RegistryConfig.Mirrors", 0, ""),
    ("CAPTURE", "status --porcelain", 0, ""),
    ("CAPTURE", "ls .kamal/apps", 0, "0"),
    ("CAPTURE", "docker image inspect berth-proxy", 0, ""),
]

# The app's containers (the README's table): health, the running version,
# the versions there are, and which containers exist. A container exists
# for v40, v41 and the running version, and for any version a `docker run
# --name` went to that host for earlier in the run (the fifth field).
def app_answers(running):
    return [
        # No accessory's container is there yet (so boot boots it).
        ("CAPTURE", "docker ps -a -q --filter label=service=", 0, ""),
        ("CAPTURE", "{{if .State.Health}}", 0, "healthy"),
        ("CAPTURE", "| head -1 | while read line; do echo ${line#", 0, running),
        ("CAPTURE", "while read line; do echo ${line#", 0, "v41\\nv40"),
        ("CAPTURE", f"-{running}$' --quiet", 0, "0123456789ab"),
        ("CAPTURE", "-v41$' --quiet", 0, "0123456789ab"),
        ("CAPTURE", "-v40$' --quiet", 0, "0123456789ab"),
        ("CAPTURE", "name=^*$' --quiet", 0, "0123456789ab", "--name *"),
        ("CAPTURE", "$' --quiet", 0, ""),
        ("*", "", 0, "stub-output"),
    ]


def load_diffs():
    rules = []
    with open(DIFFS) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 6:
                sys.exit(f"{DIFFS}:{n}: expected 6 tab-separated fields, got {len(parts)}")
            kind, case, cmd, pattern, repl, why = parts
            if kind not in ("sub", "drop-kamal", "drop-berth"):
                sys.exit(f"{DIFFS}:{n}: unknown kind {kind}")
            if not why.strip():
                sys.exit(f"{DIFFS}:{n}: every difference says why")
            rules.append((kind, case, cmd, re.compile(pattern), repl, n))
    return rules


def applies(rule, case, cmd):
    import fnmatch
    return fnmatch.fnmatch(case, rule[1]) and fnmatch.fnmatch(cmd, rule[2])


def scratch_repo(case_dir, root):
    name = os.path.basename(case_dir.rstrip("/"))
    app = os.path.join(root, name)
    shutil.copytree(case_dir, app, ignore=shutil.ignore_patterns("commands", "HOSTMAP", "SOURCE"))
    for dirpath, dirs, files in os.walk(app):
        os.chmod(dirpath, 0o755)
        for f in files:
            p = os.path.join(dirpath, f)
            os.chmod(p, 0o755 if "/hooks/" in p else 0o644)
    with open(os.path.join(app, "Dockerfile"), "w") as f:
        f.write("FROM scratch\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="Deployer", GIT_AUTHOR_EMAIL="deployer@example.com",
               GIT_COMMITTER_NAME="Deployer", GIT_COMMITTER_EMAIL="deployer@example.com",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    for args in (["init", "-q"], ["config", "user.name", "Deployer"],
                 ["config", "user.email", "deployer@example.com"], ["add", "-A"],
                 ["commit", "-q", "-m", "case"]):
        subprocess.run(["git", *args], cwd=app, env=env, check=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=app, capture_output=True,
                         text=True, check=True).stdout.strip()
    return app, sha


def split_words(line):
    """Shell words as lib/quote.c's quote_split with substitutions kept."""
    words, w, inw, i = [], [], False, 0
    while i < len(line):
        c = line[i]
        if c.isspace():
            if inw:
                words.append("".join(w))
            w, inw = [], False
            i += 1
        elif c == "'":
            j = line.find("'", i + 1)
            if j < 0:
                return None
            w.append(line[i + 1:j])
            inw, i = True, j + 1
        elif c == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                if line[i] == "\\" and i + 1 < len(line) and line[i + 1] in '\\"$`\n':
                    i += 1
                w.append(line[i])
                i += 1
            if i >= len(line):
                return None
            inw, i = True, i + 1
        elif c == "$" and line[i + 1:i + 2] == "(":
            depth, q, start = 0, None, i
            while i < len(line):
                ch = line[i]
                if q:
                    if ch == q:
                        q = None
                    elif q == '"' and ch == "\\":
                        i += 1
                elif ch in "'\"":
                    q = ch
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                    if not depth:
                        break
                i += 1
            w.append(line[start:i + 1])
            inw, i = True, i + 1
        else:
            if c == "\\" and i + 1 < len(line):
                i += 1
            w.append(line[i])
            inw, i = True, i + 1
    if inw:
        words.append("".join(w))
    return words


def words_of(line):
    """A plan line as (prefix, words): '[HOST] RUN' and the command's words."""
    m = re.match(r"^(\[[^]]+\] [A-Z-]+) (.*)$", line, re.S)
    if not m:
        return (line, None)
    return (m.group(1), split_words(m.group(2)) or m.group(2))


ROLE_LABEL = re.compile(r"label=role=([\w.-]+)|\] \[([\w.-]+)\] [A-Z]|/env/roles/([\w.-]+)\.env\b")


def role_names(berth, app, command, extra_env):
    """The config's roles, as berth config --json lists them."""
    dest = destination_of(command)
    env = dict(os.environ, VERSION="v42", **extra_env,
               KAMAL_REGISTRY_PASSWORD="secret-kamal-registry-password",
               RAILS_MASTER_KEY="secret-rails-master-key")
    p = subprocess.run([berth, "config", "--json", *(["-d", dest] if dest else [])], cwd=app,
                       env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=60)
    try:
        import json
        return set(json.loads(p.stdout)["roles"])
    except (ValueError, KeyError):
        return set()


def role_of(line, names):
    """Which role a plan line is about: its role label, audit tag or env
    file, else a container named SERVICE-ROLE-...; None for the host's own
    lines."""
    for m in ROLE_LABEL.finditer(line):
        if (m.group(1) or m.group(2) or m.group(3)) in names:
            return m.group(1) or m.group(2) or m.group(3)
    for name in sorted(names, key=len, reverse=True):
        if re.search(r"(?<![\w.])[\w.]+-" + re.escape(name) + r"-", line):
            return name
    return None


def destination_of(command):
    for i, word in enumerate(command):
        if word in ("-d", "--destination") and i + 1 < len(command):
            return command[i + 1]
        if word.startswith("--destination="):
            return word.split("=", 1)[1]
    return None


def by_host(lines, names):
    """Each host's plan lines as words, in order, per role: the goldens ran
    hosts one after another, but Kamal runs hosts, and on_roles runs roles,
    in parallel, so only the order within one host's work for one role (and
    within its own lines, such as the lock's) means anything; which lines
    there are is still compared per host. An upload's content lines and a
    hook's env lines belong to the line before them."""
    hosts, host, role = {}, None, None
    for line in lines:
        m = re.match(r"^\[([^]]+)\] ", line)
        if m:
            host, role = m.group(1), role_of(line, names)
        hosts.setdefault(host, {}).setdefault(role, []).append(words_of(line))
    return hosts


def golden_lines(path):
    lines, head = [], []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# "):
                head.append(line)
            elif line:
                lines.append(line)
    return head, lines


B64 = re.compile(r'echo "([A-Za-z0-9+/=\n]+)" >')
TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def mask(line, app, tmp, sha):
    def decode(m):
        text = base64.b64decode(m.group(1)).decode()
        text = TS.sub("<TS>", text).replace("Locked by: Deployer", "Locked by: <PERFORMER>")
        return 'echo "<BASE64 of: ' + text.replace("\n", "\\n") + '>" >'
    line = B64.sub(decode, line)
    line = TS.sub("<TS>", line)
    line = line.replace("[deployer@example.com]", "[<PERFORMER>]")
    line = line.replace(tmp, "<TMPDIR>").replace(app, "<APP_DIR>").replace(sha, "<GIT_SHA>")
    line = re.sub(r"(kamal-clones/[^/ ]+-)[0-9a-f]{13}", r"\1<HEX13>", line)
    line = re.sub(r"(--hostname \S+-)[0-9a-f]{12}\b", r"\1<HEX12>", line)
    line = re.sub(r"(_replaced_)[0-9a-f]{16}\b", r"\1<HEX16>", line)
    line = re.sub(r"(-exec-[^ ']+-)[0-9a-f]{6}\b", r"\1<HEX6>", line)
    # berth's plan never shows a secret: an uploaded env line's value is
    # redacted, which the goldens write as the secret it came from.
    line = re.sub(r"^(  \| ([A-Za-z_][A-Za-z0-9_]*)=)\[REDACTED\]$", r"\1[SECRET:\2]", line)
    if line.startswith("  env: "):
        line = hook_env(line)
    return clone_basename(line)


def hook_env(line):
    """A hook's environment as the goldens show it: the KAMAL_* variables
    only (berth also sets their BERTH_* twins, and the secrets for hooks
    that get them), masked as the goldens mask them."""
    out = []
    for w in line[len("  env: "):].split(" "):
        name, _, value = w.partition("=")
        if not name.startswith("KAMAL_"):
            continue
        if value == "[REDACTED]":
            value = f"[SECRET:{name}]"
        elif name == "KAMAL_PERFORMER":
            value = "<PERFORMER>"
        elif name == "KAMAL_RUNTIME":
            value = "<RUNTIME>"
        out.append(f"{name}={value}")
    return "  env: " + " ".join(out)


def clone_basename(line):
    """The scratch repository's own name inside the clone path: the goldens'
    recordings named it after the case they copied (fleet-staging reused
    synthetic__fleet's), which says nothing about berth."""
    return re.sub(r"(kamal-clones/[^/ ]+-<HEX13>/)[^/ ]+/", r"\1<REPO>/", line)


def filled_env(case_dir):
    """The case's filled.env (from the config corpus), hosts rewritten by HOSTMAP."""
    case = os.path.basename(case_dir.rstrip("/"))
    path = os.path.join(case_dir, "..", "..", "kamal-configs", case, "expected", "filled.env")
    hostmap = []
    if os.path.exists(os.path.join(case_dir, "HOSTMAP")):
        with open(os.path.join(case_dir, "HOSTMAP")) as f:
            hostmap = [l.split() for l in f if l.strip()]
    env = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    for orig, new in hostmap:
                        v = v.replace(orig, new)
                    env[k] = v
    return env


def placeholders(app):
    """Files a secrets file reads with $(cat FILE): the goldens' run had them."""
    for dirpath, _, files in os.walk(os.path.join(app, ".kamal")):
        for f in files:
            if not f.startswith("secrets"):
                continue
            for m in re.finditer(r"\$\(cat ([^)\s]+)\)", open(os.path.join(dirpath, f)).read()):
                p = os.path.join(app, m.group(1))
                if not os.path.exists(p):
                    os.makedirs(os.path.dirname(p), exist_ok=True)
                    with open(p, "w") as out:
                        out.write("placeholder\n")


def upload_placeholders(app, golden):
    """The accessory files the goldens' run uploaded were placeholders made
    for the recording (their README); the same here."""
    for line in golden:
        m = re.match(r"^\[[^]]+\] UPLOAD \S+ from=<APP_DIR>/(\S+)$", line)
        if m and not os.path.exists(os.path.join(app, m.group(1))):
            p = os.path.join(app, m.group(1))
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(f"# placeholder for {m.group(1)}\n")


def proxy_archive(root):
    """A stand-in for build/proxy-image/berth-proxy.tar: the plan reads only
    its image ID, and a fixed one keeps the plan the same whether or not
    `make proxy-image` has run before this test (on CI it has not)."""
    import io
    import tarfile
    path = os.path.join(root, "berth-proxy.tar")
    if os.path.exists(path):
        return path
    manifest = b'[{"Config":"blobs/sha256/' + b"ab" * 32 + b'","RepoTags":["berth-proxy:v0.9.2"]}]'
    with tarfile.open(path, "w") as t:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        t.addfile(info, io.BytesIO(manifest))
    return path


def berth_plan(berth, app, tmp, command, answers, extra_env):
    env = dict(os.environ, VERSION="v42", BERTH_DRY_RUN_ANSWERS=answers, TMPDIR=tmp, **extra_env,
               BERTH_PROXY_IMAGE=proxy_archive(os.path.dirname(tmp)),
               PATH=os.path.join(os.path.dirname(tmp), "stubs") + ":" + os.environ["PATH"],
               KAMAL_REGISTRY_PASSWORD="secret-kamal-registry-password",
               RAILS_MASTER_KEY="secret-rails-master-key")
    p = subprocess.run([berth, *command], cwd=app, env=env, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    # A multi-line word (the lock's base64) continues a plan line.
    lines, cur = [], None
    for line in p.stdout.split("\n"):
        if line.startswith("[") or line.startswith("  | ") or line.startswith("  env: "):
            if cur is not None:
                lines.append(cur)
            cur = line
        elif cur is not None and cur.count('"') % 2 == 1:
            cur += "\n" + line
        else:
            if cur is not None:
                lines.append(cur)
            cur = None
    if cur is not None:
        lines.append(cur)
    return p.returncode, lines, p.stderr


def same(mine, kamal):
    return [words_of(l) for l in mine] == [words_of(l) for l in kamal]


def same_per_host(mine, kamal):
    """The goldens' README: only the order within one host (and of steps)
    means something; Kamal runs a step's roles in threads, so its hosts'
    lines interleave in the recording as they happened to. Each host's
    lines (an upload's content and a hook's env go with their line) must
    be the same, in the same order."""
    def by_host(lines):
        hosts, last = {}, None
        for l in lines:
            m = re.match(r"^\[([^]]+)\] ", l)
            if m:
                last = m.group(1)
            hosts.setdefault(last, []).append(l)
        return {h: changes_in_order([(l, words_of(l)) for l in roles_sorted(ls)])
                for h, ls in hosts.items()}
    return by_host(mine) == by_host(kamal)


STALE = re.compile(r"while read line; do echo \$\{line#|\| xargs docker stop")
LIST_VERSIONS = re.compile(r"CAPTURE docker ps --filter label=service=.* --format \"\{\{\.Names\}\}\" \| while read line")


def roles_sorted(lines):
    """stale_containers runs its roles in threads (Kamal's on_roles), so on
    a host with several roles their lines interleave in any order: within
    a run of that step's lines, each role's lines (its versions listed,
    the running one asked, the stale ones stopped) are put together, in
    the order of the roles' names, on both sides."""
    out, i = [], 0
    while i < len(lines):
        if not LIST_VERSIONS.search(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        run = []
        while i < len(lines) and STALE.search(lines[i]):
            run.append(lines[i])
            i += 1
        prefixes = [m.group(1) for m in (re.search(r"\$\{line#([^}]+)\}", l) for l in run) if m]

        def key(l):
            m = re.search(r"\$\{line#([^}]+)\}", l)
            if m:
                return m.group(1)
            m = re.search(r"name=\^([^$']+)", l)
            name = m.group(1) if m else ""
            return max((p for p in prefixes if name.startswith(p)), key=len, default="")
        out.extend(sorted(run, key=key))
    return out


def changes_in_order(lines):
    """What a host is asked to do, in order, and what it is asked (a set):
    Kamal's threaded roles ask their queries in any order, and a query
    changes nothing; its answer shows in what follows."""
    return ([w for l, w in lines if " CAPTURE " not in l],
            sorted(repr(w) for l, w in lines if " CAPTURE " in l))


def main():
    berth, case_dir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    case = os.path.basename(case_dir.rstrip("/"))
    rules = load_diffs()
    used = set()
    root = tempfile.mkdtemp(prefix="berth-seq-")
    failed = 0
    try:
        filled = filled_env(case_dir)
        app, sha = scratch_repo(case_dir, root)
        placeholders(app)
        tmp = os.path.join(root, "tmp")
        os.makedirs(tmp)
        # The goldens' vault CLIs: each prints stub-secret.
        os.makedirs(os.path.join(root, "stubs"))
        for stub in ("op", "aws", "sops", "gh", "bw", "lpass", "doppler", "gcloud"):
            path = os.path.join(root, "stubs", stub)
            with open(path, "w") as f:
                f.write("#!/bin/sh\necho stub-secret\n")
            os.chmod(path, 0o755)
        def write_answers(path, running, first=""):
            with open(path, "w") as f:
                f.write(first)
                # The clone's revision is the scratch commit.
                f.write(f"CAPTURE\trev-parse HEAD\t0\t{sha}\n")
                for a in ANSWERS + app_answers(running):
                    f.write("\t".join(str(x) for x in a) + "\n")
        answers = os.path.join(root, "answers")
        write_answers(answers, "v41")
        answers_nodocker = os.path.join(root, "answers-nodocker")
        write_answers(answers_nodocker, "v41", "RUN\tdocker -v\t1\t\n")
        # rollback v41 was recorded with v42 running.
        answers_rollback = os.path.join(root, "answers-rollback")
        write_answers(answers_rollback, "v42")
        for n, name in enumerate(files, 1):
            head, kamal = golden_lines(os.path.join(case_dir, "commands", name))
            upload_placeholders(app, kamal)
            kamal = [clone_basename(l) for l in kamal]
            cmdline = head[0][len("# kamal "):]
            cmdline = cmdline.split("   (")[0]
            command = shlex.split(cmdline)
            ans = answers_nodocker if name == "server_bootstrap_no-docker.txt" else answers
            if name.startswith("rollback_"):
                ans = answers_rollback
            rc, mine, err = berth_plan(berth, app, tmp, command, ans, filled)
            mine = [mask(l, app, tmp, sha) for l in mine]
            for rule in rules:
                if not applies(rule, case, name):
                    continue
                kind, pat, repl = rule[0], rule[3], rule[4]
                if kind == "sub":
                    new = [pat.sub(repl, l) for l in kamal]
                    if new != kamal:
                        used.add(rule[5])
                    kamal = new
                elif kind == "drop-kamal":
                    keep = [l for l in kamal if not pat.search(l)]
                    if len(keep) != len(kamal):
                        used.add(rule[5])
                    kamal = keep
                else:
                    keep = [l for l in mine if not pat.search(l)]
                    if len(keep) != len(mine):
                        used.add(rule[5])
                    mine = keep
            names = role_names(berth, app, command, filled)
            # Equal in order; or each host's changes in order (its queries
            # as a set); or each host's lines per role in order.
            if rc == 0 and (same(mine, kamal) or same_per_host(mine, kamal) or
                            by_host(mine, names) == by_host(kamal, names)):
                print(f"ok {n} - {case} {cmdline}")
                continue
            failed += 1
            print(f"not ok {n} - {case} {cmdline}")
            print(f"#   berth exited {rc}; {err.strip()[:400]}")
            import difflib
            for d in list(difflib.unified_diff(kamal, mine, "kamal", "berth", lineterm="", n=1))[:40]:
                print("#   " + d.replace("\n", "\\n")[:300])
        print(f"1..{len(files)}")
        if os.environ.get("SEQUENCES_USED"):
            with open(os.environ["SEQUENCES_USED"], "a") as f:
                for n in sorted(used):
                    f.write(f"{n}\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
