#!/usr/bin/env bash
# How format2-7cb51ff.redb.gz was made: the data directory of the last main
# of store format 2 (commit 7cb51ff), which kept messages as finished
# sentences. It holds the demo tenant, an evaluation import with two errors,
# a batch import with a failed row and a batch file refused as a whole (no
# 顧客ID column). Kept for the migration test; re-running this needs that
# commit's server built (below) and gives a new file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
git worktree add /tmp/format2-main 7cb51ff
(cd /tmp/format2-main && CARGO_TARGET_DIR=/tmp/format2-target cargo build -p sheetlink-server)
rm -rf /tmp/format2-data && mkdir -p /tmp/format2-data
SHEETLINK_DEMO=1 SHEETLINK_DATA_DIR=/tmp/format2-data SHEETLINK_LISTEN=127.0.0.1:18090 \
  /tmp/format2-target/debug/sheetlink-server & server=$!
sleep 5
B=http://127.0.0.1:18090
curl -s -c /tmp/format2-cookies -H 'content-type: application/json' \
  -d '{"login_id":"admin","password":"admin-demo-2026"}' $B/api/login
curl -s -b /tmp/format2-cookies -H 'content-type: application/json' \
  -d '{"items":["score_total","goal1_comment"]}' \
  $B/api/periods/2026-h1/sheets/performance/template -o /tmp/format2-template.csv
# E0002's score becomes "abc" (number.invalid) and an unknown E9999 is added.
python3 - <<'PY'
s = open('/tmp/format2-template.csv', encoding='utf-8-sig').read()
s = s.replace('鈴木 太郎,E0002,51.1,', '鈴木 太郎,E0002,abc,', 1)
open('/tmp/format2-import.csv', 'w', encoding='utf-8').write(s.rstrip('\r\n') + '\r\nghost,E9999,1,x\r\n')
PY
curl -s -b /tmp/format2-cookies -H 'content-type: text/csv' -H 'Idempotency-Key: format2-1' \
  --data-binary @/tmp/format2-import.csv $B/api/periods/2026-h1/sheets/performance/imports
token=$(curl -s -b /tmp/format2-cookies -X POST $B/api/linkage/token | python3 -c "import json,sys;print(json.load(sys.stdin)['token'])")
printf '顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nF2-1,株式会社フォーマット,,,,A\r\nF2-2,株式会社親違い,,,NO-SUCH,A\r\n' > /tmp/format2-customers.csv
curl -s -H "Authorization: Bearer $token" -H 'content-type: text/csv' \
  --data-binary @/tmp/format2-customers.csv $B/api/batch/imports/customers
printf '顧客名,ランク\r\n株式会社列なし,A\r\n' > /tmp/format2-refused.csv
curl -s -H "Authorization: Bearer $token" -H 'content-type: text/csv' \
  --data-binary @/tmp/format2-refused.csv $B/api/batch/imports/customers
kill -TERM $server; wait $server || true
gzip -9 -c /tmp/format2-data/sheetlink.redb > "$here/format2-7cb51ff.redb.gz"
git worktree remove --force /tmp/format2-main
