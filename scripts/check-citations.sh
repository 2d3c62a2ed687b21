#!/usr/bin/env bash
# Comments and docs cite only what is in the repository: no notes kept elsewhere, every cited
# `docs/*.md` exists, and every `docs/kernel-notes.md §N.M` is a heading of that file.
# A grep over the tracked (and new, not ignored) files; it takes well under a second.
set -uo pipefail
cd "$(dirname "$0")/.."

# Cited but not written yet, space-separated: reported, not failed (none now).
pending=" "

mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
  ':!:scripts/check-citations.sh' ':!:Cargo.lock' ':!:*.snap' ':!:tests/fixtures/**' |
  while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done)
if [ "${#files[@]}" -eq 0 ]; then
  echo "check-citations: no files listed: run it in a git checkout of zswap-tools" >&2
  exit 1
fi
bad=0
fail() { printf 'check-citations: %s\n' "$*" >&2; bad=1; }

# notes that were never in the repository
while IFS= read -r hit; do
  fail "$hit: cites notes outside the repository; cite docs/kernel-notes.md §N instead"
done < <(grep -nIE 'kernel-zswap\.md|compressors\.md|spec §|[Kk]ernel notes §|compressor notes' \
  -- "${files[@]}")

# an issue of the tracker, which is not in the repository: say the fact, or cite docs/
# (test names such as regress_22_* are names, not citations)
while IFS=: read -r file line text; do
  fail "$file:$line: cites an issue of the tracker, which is not in the repository; state the fact or cite a docs/*.md file"
done < <(grep -nIE '\b[Ii]ssues? #?[0-9]+' -- "${files[@]}")

# a docs/NAME.md (from the top, or relative to the citing file) that does not exist
while IFS=: read -r file line doc; do
  [ -f "$doc" ] || [ -f "$(dirname "$file")/$doc" ] && continue
  if [[ $pending == *" $doc "* ]]; then
    printf 'check-citations: note: %s:%s cites %s, not written yet\n' "$file" "$line" "$doc" >&2
  else
    fail "$file:$line cites '$doc', which does not exist"
  fi
done < <(grep -noIE '[A-Za-z0-9_./-]*docs/[A-Za-z0-9_-]+\.md' -- "${files[@]}")

# a section of docs/kernel-notes.md that is not one of its headings
sections=" $(grep -oE '^#+ §[0-9]+(\.[0-9]+)?' docs/kernel-notes.md | cut -d' ' -f2 | tr '\n' ' ')"
while IFS=: read -r file line text; do
  [ "$file" = docs/kernel-notes.md ] || text=${text#*kernel-notes.md}
  for s in $(printf '%s' "$text" | grep -oE '§[0-9]+(\.[0-9]+)?'); do
    [[ $sections == *" $s "* ]] || fail "$file:$line cites docs/kernel-notes.md $s, which has no such section"
  done
done < <(grep -nIE 'kernel-notes\.md §' -- "${files[@]}"
  grep -nE '§' docs/kernel-notes.md | grep -vE '^[0-9]+:#' | sed 's|^|docs/kernel-notes.md:|')
exit "$bad"
