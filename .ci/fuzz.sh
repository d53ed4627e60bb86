#!/usr/bin/env bash
# Short cargo-fuzz runs of every target in fuzz/ (HTML → Markdown, site checks, contacts,
# e-mail de-obfuscation, robots.txt, sitemaps, phone numbers, LLM structured output), seeded
# from ../shared/fixtures. Fails when any target crashes, hangs or runs out of memory; the
# input that did it is left in fuzz/artifacts/<target>/.
#
# Environment: FUZZ_SECONDS per target (default 20), FUZZ_JOBS targets at a time (default:
# the CPU count), FUZZ_SANITIZER (address or none; default address), FUZZ_TARGETS to run a
# subset (space-separated names).
#
# cargo-fuzz needs nightly compiler flags; the stable toolchain accepts them with
# RUSTC_BOOTSTRAP=1, which is set for the fuzz build only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
FIXTURES="$ROOT/../shared/fixtures"
FUZZ_DIR="$ROOT/fuzz"

CARGO_FUZZ_VERSION="0.13.2"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
FUZZ_JOBS="${FUZZ_JOBS:-$(nproc)}"
FUZZ_SANITIZER="${FUZZ_SANITIZER:-address}"
HTML_MAX_LEN=16384
# Slowest first, so the long HTML runs overlap the short ones.
ALL_TARGETS="html_markdown site_checks contacts structured_output sitemap robots phone email_deobfuscate"
read -r -a TARGETS <<<"${FUZZ_TARGETS:-$ALL_TARGETS}"
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="$FUZZ_DIR/target/$TRIPLE/release"
started=$SECONDS

[ -d "$FIXTURES" ] || { echo "fixtures not found at $FIXTURES" >&2; exit 1; }

echo "== cargo-fuzz $CARGO_FUZZ_VERSION"
if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

echo "== build (sanitizer: $FUZZ_SANITIZER)"
# fuzz/Cargo.lock is committed: fail rather than resolve anew.
cargo metadata --locked --format-version 1 --manifest-path "$FUZZ_DIR/Cargo.toml" >/dev/null
# Debug assertions on: an overflow is a bug here as it is in the tests. 16 codegen units
# build several times faster than cargo-fuzz's default of 1, for slightly slower runs.
RUSTC_BOOTSTRAP=1 cargo fuzz build --fuzz-dir "$FUZZ_DIR" --release --debug-assertions \
  --sanitizer "$FUZZ_SANITIZER" --codegen-units 16
echo "built in $((SECONDS - started)) s"

echo "== seed corpora from $FIXTURES"
rm -rf "$FUZZ_DIR/corpus" "$FUZZ_DIR/artifacts"
for target in "${TARGETS[@]}"; do
  mkdir -p "$FUZZ_DIR/corpus/$target" "$FUZZ_DIR/artifacts/$target"
done
python3 - "$FIXTURES" "$FUZZ_DIR/corpus" "$HTML_MAX_LEN" <<'PY'
"""Writes each target's seeds, one file per input named by its SHA-1 (as libFuzzer does)."""
import glob, gzip, hashlib, json, os, re, sys

fixtures, corpus, html_max_len = sys.argv[1], sys.argv[2], int(sys.argv[3])

def put(target, data):
    directory = os.path.join(corpus, target)
    if not os.path.isdir(directory):
        return  # not selected in FUZZ_TARGETS
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

def files(*patterns):
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(fixtures, pattern), recursive=True)):
            with open(path, "rb") as f:
                yield f.read()

def load(path):
    with open(os.path.join(fixtures, path)) as f:
        return json.load(f)

def slim(page):
    """A page without the bodies of its scripts (JSON-LD kept) and style sheets, which are
    most of a real page's bytes and none of what is read from it: the HTML targets read only
    the first html_max_len bytes of an input, and this way those bytes reach the body."""
    page = re.sub(rb"(?is)(<script(?![^>]*ld\+json)[^>]*>).*?(</script>)", rb"\1\2", page)
    return re.sub(rb"(?is)(<style[^>]*>).*?(</style>)", rb"\1\2", page)

def tail(page):
    """The end of a long page from a tag on (footers hold the addresses and numbers)."""
    end = page[-html_max_len:]
    return end[end.find(b"<"):] if b"<" in end else end

# HTML: real pages and the HTML → Markdown golden inputs.
for page in files("html_pages/**/source.html", "html_pages/trafilatura/*.html",
                  "html_to_markdown/**/input.html", "html_to_markdown/**/*.in.html"):
    page = slim(page)
    for target in ("html_markdown", "site_checks", "contacts"):
        put(target, page)
        if len(page) > html_max_len:
            put(target, tail(page))

# E-mail obfuscation: Cloudflare hex (bare and as protected links), [at]/(dot) forms, their
# HTML context (also a contacts seed), and TYPO3's shifted link as the crawler's tests use it.
cf = load("email_obfuscation/cfemail_real_examples.json")["examples"]
at = load("email_obfuscation/at_dot_real_examples.json")["examples"]
for example in cf:
    hexed = example["encoded"]
    put("email_deobfuscate", hexed if example["form"] == "data-cfemail"
        else "/cdn-cgi/l/email-protection#" + hexed)
for example in cf + at:
    put("email_deobfuscate", example["html_context"])
    put("contacts", example["html_context"])
for example in at:
    put("email_deobfuscate", example["obfuscated"])
put("email_deobfuscate", "javascript:linkTo_UnCryptMailto('nbjmup+jogpAfybnqmf/dpn');")

# robots.txt: each reference case as body NUL agent LF url, and each body alone.
for case in load("robots/robots_test_cases.derived.json")["cases"]:
    put("robots", case["robotstxt"] + "\0" + case["user_agent"] + "\n" + case["url"])
    put("robots", case["robotstxt"])

# Sitemaps: XML, index, hreflang, gzip, and the gzip's content.
for sitemap in files("sitemaps/*.xml", "sitemaps/*.xml.gz"):
    put("sitemap", sitemap)
    if sitemap[:2] == b"\x1f\x8b":
        put("sitemap", gzip.decompress(sitemap))

# Phone numbers: libphonenumber's example numbers, national (with the trunk prefix),
# international and 00-prefixed, as "CC|number".
for region, info in load("phonenumbers/example_numbers.json")["regions"].items():
    code, prefix = info["countryCode"], info.get("nationalPrefix") or ""
    for number in info["exampleNumbers_national_significant"].values():
        put("phone", f"{region}|{prefix}{number}")
        put("phone", f"{region}|+{code} {number}")
        put("phone", f"00{code}{number}")
        put("phone", f"+{code}{number}")
for path in glob.glob(os.path.join(fixtures, "phonenumbers/metadata_*_examples.csv")):
    with open(path) as f:
        for line in f.readlines()[1:]:
            fields = [field.strip().strip('"') for field in line.split(";")]
            if len(fields) == 3 and re.fullmatch(r"[A-Z]{2}", fields[0]):
                put("phone", f"{fields[0]}|{fields[2]}")

# Structured output: recorded OpenAI answers (whole bodies and their message text), the
# OpenAPI examples' response bodies, Gemini's mock responses.
for path in sorted(glob.glob(os.path.join(fixtures, "openai/recorded_responses/*.json"))):
    with open(path) as f:
        response = json.load(f)["response"]
    put("structured_output", json.dumps(response))
    for choice in response.get("choices", []):
        content = (choice.get("message") or {}).get("content")
        if content:
            put("structured_output", content)
            put("structured_output", "```json\n" + content + "\n```")
for body in files("openai/examples/*.response.txt", "gemini/mock-responses/googleai/unary-*"):
    put("structured_output", body)
PY
for target in "${TARGETS[@]}"; do
  echo "$target: $(find "$FUZZ_DIR/corpus/$target" -type f | wc -l) seeds"
done

echo "== fuzz ${FUZZ_SECONDS} s per target, $FUZZ_JOBS at a time"
run_target() {
  local target="$1" status=0 max_len=()
  case "$target" in
    # Whole pages (up to 460 KB) run a few times a second under ASan; cut to 16 KiB (seeds
    # are read cut there) they run several times faster. The seeds include pages' ends.
    html_markdown | site_checks | contacts) max_len=(-max_len="$HTML_MAX_LEN") ;;
  esac
  # -timeout: one input running this long is a hang (a bug: pages are untrusted input).
  "$BIN_DIR/$target" "$FUZZ_DIR/corpus/$target" "${max_len[@]}" \
    -max_total_time="$FUZZ_SECONDS" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$FUZZ_DIR/artifacts/$target/" \
    >"$FUZZ_DIR/artifacts/$target.log" 2>&1 || status=$?
  echo "$status" >"$FUZZ_DIR/artifacts/$target.status"
}
for target in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do wait -n || true; done
  run_target "$target" &
done
wait

echo "== summary"
failed=0
for target in "${TARGETS[@]}"; do
  log="$FUZZ_DIR/artifacts/$target.log"
  status="$(cat "$FUZZ_DIR/artifacts/$target.status")"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  corpus="$(find "$FUZZ_DIR/corpus/$target" -type f | wc -l)"
  if [ "$status" = 0 ]; then
    printf '%-18s ok     %9s runs  corpus %5s\n' "$target" "${runs:-?}" "$corpus"
  else
    failed=1
    printf '%-18s FAILED (exit %s) %9s runs  corpus %5s\n' "$target" "$status" "${runs:-?}" \
      "$corpus"
    grep -E -A40 'panicked at|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)' "$log" \
      | head -60 >&2 || tail -40 "$log" >&2
    ls "$FUZZ_DIR/artifacts/$target/" >&2
  fi
done
echo "total $((SECONDS - started)) s"
if [ "$failed" != 0 ]; then
  echo "fuzzing found crashes; reproduce with: fuzz/target/$TRIPLE/release/<target> <artifact>" >&2
  exit 1
fi
