#!/usr/bin/env bash
# Re-vendors Det Fælles Designsystem (npm `dkfds`) into src/web/assets/vendor/dkfds: the
# compiled CSS, the three IBM Plex Sans cuts the site uses (Latin-1 subset, woff2) and the
# icons the CSS refers to. Not run by the build: the build only reads what is committed here.
#   bash src/web/assets/vendor/update-dkfds.sh 11.2.0
set -euo pipefail
version="${1:?dkfds version, e.g. 11.2.0}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --silent --no-audit --no-fund "dkfds@$version" >/dev/null)
src="$work/node_modules/dkfds/dist"
out="$here/dkfds"
rm -rf "$out"
mkdir -p "$out/fonts" "$out/icons"
cp "$work/node_modules/dkfds/LICENSE.md" "$out/LICENSE.md"
cp "$src/fonts/IBMPlexSans/split/woff2/license.txt" "$out/fonts/OFL.txt"
for cut in Regular SemiBold Bold; do
  cp "$src/fonts/IBMPlexSans/split/woff2/IBMPlexSans-$cut-Latin1.woff2" "$out/fonts/"
done
css="$src/css/dkfds.min.css"
# The icons the stylesheet refers to (its component styles draw them as backgrounds).
grep -o 'url(../img/svg-icons/[^)]*)' "$css" | sed 's#url(../img/svg-icons/##; s#)$##' | sort -u |
  while read -r icon; do cp "$src/img/svg-icons/$icon" "$out/icons/"; done
grep -o 'url(../img/[^/)]*\.\(png\|svg\))' "$css" | sed 's#url(../img/##; s#)$##' | sort -u |
  while read -r img; do cp "$src/img/$img" "$out/icons/"; done
# Its own @font-face rules point at the complete fonts (60 KB a cut); ours (site.css) point at
# the Latin-1 subsets. Icon and image paths become paths beside the stylesheet, which the
# build turns into content-hashed URLs.
python3 - "$css" "$out/dkfds.min.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r'@font-face\{[^}]*IBM Plex Sans[^}]*\}', '', css)
css = css.replace('url(../img/svg-icons/', 'url(icons/').replace('url(../img/', 'url(icons/')
css = re.sub(r'/\*# sourceMappingURL=[^*]*\*/', '', css)
open(sys.argv[2], "w", encoding="utf-8").write(css)
PY
echo "dkfds $version" > "$out/VERSION"
du -sh "$out"
