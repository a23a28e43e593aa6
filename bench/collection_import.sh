#!/usr/bin/env bash
# The Met importer against a loopback stand-in for the Collection API (tests/python/fake_collection_server.py):
# N objects with 512 x 384 JPEGs in 3 departments. Prints the import's wall time and requests per second,
# the most requests seen in any one-second window (the rate limit), and a re-run (which must fetch nothing).
# Run by hand; prints figures, asserts nothing.
#
#   bench/collection_import.sh [OBJECTS_PER_DEPARTMENT] [extra met-import arguments, e.g. --rate 75 --connections 8]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${ACCESSION_CLI:-$root/build/app/accession-cli}
per=${1:-100}
shift || true
work=$(mktemp -d /tmp/accession-collection-bench.XXXXXX)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/images"

/usr/bin/python3 - "$work" "$per" <<'PY'
import json, random, sys
from PIL import Image
work, per = sys.argv[1], int(sys.argv[2])
random.seed(1)
names = ["Arms and Armor", "Asian Art", "Egyptian Art"]
objects = {}
for d, name in enumerate(names, start=1):
    for i in range(per):
        oid = d * 100000 + i
        colour = tuple(random.randrange(256) for _ in range(3))
        Image.new("RGB", (512, 384), colour).save(f"{work}/images/{oid}.jpg", quality=90)
        url = "{BASE}/images/%d.jpg" % oid
        objects[str(oid)] = {"objectID": oid, "isPublicDomain": True, "primaryImage": url, "primaryImageSmall": url,
                             "department": name, "title": "Object %d" % oid, "_departmentId": d}
json.dump({"departments": [{"departmentId": d, "displayName": n} for d, n in enumerate(names, start=1)],
           "objects": objects, "faults": {}}, open(f"{work}/config.json", "w"))
PY

/usr/bin/python3 "$root/tests/python/fake_collection_server.py" "$work" > "$work/port.txt" &
server=$!
for _ in $(seq 50); do grep -q PORT "$work/port.txt" 2>/dev/null && break; sleep 0.1; done
api="http://127.0.0.1:$(cut -d' ' -f2 "$work/port.txt")/api"

summarise() {
    /usr/bin/python3 - "$work/requests.log" "$1" <<'PY'
import bisect, json, os, sys
log, result = sys.argv[1], json.loads(open(sys.argv[2]).read())
times = sorted(float(line.split()[0]) for line in open(log)) if os.path.exists(log) else []
busiest = max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)
seconds = result["seconds"]
print(f"  {result['imported']} imported, {result['already_done']} already done, {len(result['failed'])} failed; "
      f"{result['requests']} requests in {seconds:.1f} s = {result['requests'] / max(seconds, 1e-9):.1f} requests/s, "
      f"{result['imported'] / max(seconds, 1e-9):.1f} objects/s; most requests in any 1 s window: {busiest}")
PY
}

echo "met-import of $((per * 3)) objects $*"
/usr/bin/time -f "  peak RSS %M KiB" "$cli" met-import --catalog "$work/met.db" --base-url "$api" --per-department "$per" --json "$@" > "$work/first.json"
summarise "$work/first.json"
rm -f "$work/requests.log"
echo "the same command again (resume: nothing to fetch)"
"$cli" met-import --catalog "$work/met.db" --base-url "$api" --per-department "$per" --json "$@" > "$work/second.json"
summarise "$work/second.json"
