#!/bin/sh
# Build corpus cases (layout of ../shared/conformance/kamal-configs/) from
# fetched bare git snapshots. Holds no one's files: it copies them, at the
# snapshot's HEAD, into a scratch folder outside the repository.
# usage: build-cases.sh OUT_DIR GIT_DIR...
#   GIT_DIR = /work/.mirror/OWNER+NAME/repo ; a case per folder D holding
#   D/config/deploy.yml (D = repository root -> OWNER__NAME, else OWNER__NAME__D
#   with / in D as _). Copies D/config/deploy*.yml, D/.kamal/secrets*, and any
#   file a quoted string inside <% %> names that exists in the repository
#   (relative to D), e.g. File.read(".ruby-version"), Dotenv.load(".env.prod").
# writes CASE/SOURCE: "OWNER/NAME COMMIT PATH" per file (one commit: HEAD, or, where
# HEAD has no deploy.yml, the parent of the commit that deleted it).
set -u
OUT=$1; shift
for g in "$@"; do
  r=$(echo "$g" | sed -E "s#.*/([^/]+)/repo(/\.git)?/*\$#\1#"); owner=${r%%+*}; name=${r#*+}
  head=$(git --git-dir="$g" rev-parse HEAD 2>/dev/null) || continue
  git --git-dir="$g" ls-tree -r --name-only $head > /tmp/bc.tree.$$ 2>/dev/null || continue
  if ! grep -qE '(^|/)config/deploy\.yml$' /tmp/bc.tree.$$; then
    # no deploy.yml at HEAD: take the last commit that had one (parent of its deletion)
    del=$(git --git-dir="$g" log -1 --diff-filter=D --format=%H HEAD -- 'config/deploy.yml' '*/config/deploy.yml' 2>/dev/null)
    [ -n "$del" ] || continue
    head=$(git --git-dir="$g" rev-parse "$del^") || continue
    git --git-dir="$g" ls-tree -r --name-only $head > /tmp/bc.tree.$$ 2>/dev/null || continue
  fi
  grep -E '(^|/)config/deploy\.yml$' /tmp/bc.tree.$$ | grep -vE '(^|/)(node_modules|vendor|spec|test|tests|fixtures|examples?|templates?|lib/generators)/' |
  while read f; do
    d=${f%config/deploy.yml}; d=${d%/}
    if [ -z "$d" ]; then c="${owner}__${name}"; else c="${owner}__${name}__$(echo "$d" | tr '/' '_')"; fi
    dir="$OUT/$c"; rm -rf "$dir"; mkdir -p "$dir"
    pre=${d:+$d/}
    : > "$dir/SOURCE"
    grep -E "^${pre}(config/deploy(\.[^/]+)?\.yml|\.kamal/secrets[^/]*)$" /tmp/bc.tree.$$ | while read p; do
      rel=${p#$pre}; mkdir -p "$dir/$(dirname "$rel")"
      git --git-dir="$g" show "$head:$p" > "$dir/$rel" 2>/dev/null
      echo "$owner/$name $head $p" >> "$dir/SOURCE"
    done
    # files the ERB names (quoted strings inside ERB tags that are repository paths)
    cat "$dir"/config/deploy*.yml "$dir"/.kamal/secrets* 2>/dev/null | tr '\n' ' ' | grep -oE '<%[^%]*%>' |
      grep -oE "[\"'][A-Za-z0-9_./-]+[\"']" | tr -d "\"'" | sed 's#^\./##' | sort -u | while read q; do
      case $q in ""|*..*|/*) continue;; esac
      [ -f "$dir/$q" ] && continue
      if grep -qxF -e "${pre}$q" /tmp/bc.tree.$$; then
        mkdir -p "$dir/$(dirname "$q")"; git --git-dir="$g" show "$head:${pre}$q" > "$dir/$q" 2>/dev/null && echo "$owner/$name $head ${pre}$q" >> "$dir/SOURCE"
      fi
    done
    echo "case $c"
  done
done
rm -f /tmp/bc.tree.$$
