#!/bin/sh
# One line per case: the stack (guessed from files at the case's commit), the
# number of destination files, and the Kamal generation the file is written for.
# usage: classify.sh CASES_DIR MIRROR_DIR > cases.tsv   (MIRROR_DIR/OWNER+NAME/repo = bare git)
C=$1; M=$2
printf 'case\trepository\tcommit\tstack\tdestinations\tkamal\n'
for d in "$C"/*/; do
  d=${d%/}; c=$(basename "$d"); [ -f "$d/SOURCE" ] || continue
  set -- $(grep -E " ([^ ]*/)?config/deploy\.yml$" "$d/SOURCE" | head -1); repo=$1; commit=$2; p=$3; sub=${p%config/deploy.yml}
  g=$M/$(echo "$repo" | tr / +)/repo; [ -d "$g/.git" ] && g=$g/.git
  t=$(git --git-dir="$g" ls-tree -r --name-only "$commit" 2>/dev/null | sed -n "s#^$sub##p")
  has() { printf '%s\n' "$t" | grep -qE "$1"; }
  if has '^(bin/rails|config/application\.rb)$'; then s=rails
  elif has '^Gemfile$'; then s=ruby
  elif has '(^|/)manage\.py$' || has '^(requirements[^/]*\.txt|pyproject\.toml)$'; then
    if has '(^|/)manage\.py$'; then s=django; else s=python; fi
  elif has '^mix\.exs$'; then s=elixir-phoenix
  elif has '^(artisan|composer\.json)$'; then if has '^artisan$'; then s=laravel; else s=php; fi
  elif has '^go\.mod$'; then s=go
  elif has '^(deno\.json|bun\.lockb?)$' || has '^package\.json$'; then s=node
  elif has '^(pom\.xml|build\.gradle(\.kts)?)$'; then s=java
  elif has '\.csproj$'; then s=dotnet
  elif has '^(deps\.edn|project\.clj)$'; then s=clojure
  elif has '^Cargo\.toml$'; then s=rust
  elif has '(^|/)(index\.html|nginx\.conf|Caddyfile)$'; then s=static
  else s=other; fi
  n=$(ls "$d"/config/deploy.*.yml 2>/dev/null | wc -l)
  if grep -qE '^(traefik|healthcheck):' "$d"/config/deploy*.yml; then k=1
  elif grep -qE '^proxy:' "$d"/config/deploy*.yml || ls "$d"/.kamal/secrets* >/dev/null 2>&1; then k=2
  else k=?; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$repo" "$commit" "$s" "$n" "$k"
done
