#!/usr/bin/env bash
# How format1-8dfb214.redb.gz was made: the data directory of the last main
# before the store format was versioned (commit 8dfb214), with the demo
# tenant, an evaluation import with two errors (stored inline then) and a
# batch import with one failed row. Kept for the migration test; re-running
# this needs that commit's server built (see below) and gives a new file.
set -euo pipefail
git worktree add /tmp/oldmain 8dfb214
(cd /tmp/oldmain && CARGO_TARGET_DIR=/tmp/oldtarget cargo build --release -p sheetlink-server)
rm -rf /tmp/fixture && mkdir -p /tmp/fixture
SHEETLINK_DEMO=1 SHEETLINK_DATA_DIR=/tmp/fixture SHEETLINK_LISTEN=127.0.0.1:18089 \
  /tmp/oldtarget/release/sheetlink-server & server=$!
sleep 3
B=http://127.0.0.1:18089
curl -s -c /tmp/cj -H 'content-type: application/json' \
  -d '{"login_id":"admin","password":"admin-demo-2026"}' $B/api/login
curl -s -b /tmp/cj -H 'content-type: application/json' \
  -d '{"items":["score_total","goal1_comment"]}' \
  $B/api/periods/2026-h1/sheets/performance/template -o /tmp/tpl.csv
# E0002's score becomes "abc" (number.invalid) and an unknown E9999 is added.
python3 - <<'PY'
s = open('/tmp/tpl.csv', encoding='utf-8-sig').read()
s = s.replace('鈴木 太郎,E0002,51.1,', '鈴木 太郎,E0002,abc,', 1)
open('/tmp/tpl-edit.csv', 'w', encoding='utf-8').write(s.rstrip('\r\n') + '\r\nghost,E9999,1,x\r\n')
PY
curl -s -b /tmp/cj -H 'content-type: text/csv' -H 'Idempotency-Key: fixture-1' \
  --data-binary @/tmp/tpl-edit.csv $B/api/periods/2026-h1/sheets/performance/imports
token=$(curl -s -b /tmp/cj -X POST $B/api/linkage/token | python3 -c "import json,sys;print(json.load(sys.stdin)['token'])")
printf '顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nFX-1,株式会社フィクスチャ,,,,A\r\nFX-2,株式会社ランク違い,,,,Z\r\n' > /tmp/cust.csv
curl -s -H "Authorization: Bearer $token" -H 'content-type: text/csv' \
  --data-binary @/tmp/cust.csv $B/api/batch/imports/customers
kill -TERM $server; wait $server || true
gzip -9 -c /tmp/fixture/sheetlink.redb > "$(dirname "$0")/format1-8dfb214.redb.gz"
