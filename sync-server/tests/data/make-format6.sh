#!/usr/bin/env bash
# How format6-a17967e.redb.gz was made: the data directory of the last main
# of store format 6 (commit a17967e), which kept a list as one JSON array.
# It holds the demo tenant and a batch import whose condition added three
# customers to the demo's list 夜間取込. Kept for the migration test;
# re-running this needs that commit's server built (below) and gives a new
# file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
git worktree add /tmp/format6-main a17967e
(cd /tmp/format6-main && CARGO_TARGET_DIR=/tmp/format6-target cargo build -p sheetlink-server)
rm -rf /tmp/format6-data && mkdir -p /tmp/format6-data
SHEETLINK_DEMO=1 SHEETLINK_DATA_DIR=/tmp/format6-data SHEETLINK_LISTEN=127.0.0.1:18096 \
  SHEETLINK_WEB_DIR=/tmp/format6-data/no-web-app /tmp/format6-target/debug/sheetlink-server & server=$!
sleep 5
B=http://127.0.0.1:18096
curl -s -c /tmp/format6-cookies -H 'content-type: application/json' \
  -d '{"login_id":"admin","password":"admin-demo-2026"}' $B/api/login
token=$(curl -s -b /tmp/format6-cookies -X POST $B/api/linkage/token | python3 -c "import json,sys;print(json.load(sys.stdin)['token'])")
printf '顧客ID,顧客名,電話番号,メールアドレス,親顧客ID,ランク\r\nF6-1,株式会社六番,,,,A\r\nF6-2,株式会社七番,,,,B\r\nC000001,株式会社サンプル商事,03-1000-2000,,,A\r\n' > /tmp/format6-customers.csv
curl -s -H "Authorization: Bearer $token" -H 'content-type: text/csv' \
  --data-binary @/tmp/format6-customers.csv $B/api/batch/imports/customers
kill -TERM $server; wait $server || true
gzip -9 -c /tmp/format6-data/sheetlink.redb > "$here/format6-a17967e.redb.gz"
git worktree remove --force /tmp/format6-main
