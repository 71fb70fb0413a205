#!/usr/bin/env python3
"""make_logs.py OUTDIR: Windows Security logs (JSON) of a company with a weekly vulnerability
scanner and an attacker, written for tests/routine.sh.

- scanner 10.0.5.20 fails three logons (administrator, admin, root) on each of 150 hosts every
  Monday 02:00-02:50 UTC for three weeks (2014-11-03, -10, -17);
- on Wednesday 2014-11-19 at 14:00 the same scanner fails logons on the same hosts (its usual
  doing at an unusual time);
- attacker 10.0.9.9 fails logons on 10 hosts, 3 each, once (Wednesday 2014-11-12 03:00).
One file per week, in time order. The figures are the test's own, chosen to reach the
credential detector's brute-force threshold (20 failures from a source within an hour)."""
import json
import os
import sys
from datetime import datetime, timedelta, timezone

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rec = 0


def failure(t, host, src, user):
    global rec
    rec += 1
    return json.dumps({"Event": {
        "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
                   "EventID": 4625, "TimeCreated": {"#attributes": {"SystemTime": t.strftime("%Y-%m-%dT%H:%M:%SZ")}},
                   "EventRecordID": rec, "Channel": "Security", "Computer": host},
        "EventData": {"TargetUserName": user, "TargetDomainName": "CORP", "LogonType": "3",
                      "IpAddress": src, "IpPort": "50000", "WorkstationName": "-",
                      "Status": "0xc000006d", "SubStatus": "0xc000006a"}}})


def sweep(f, start, src, hosts, step):
    for i in range(hosts):
        for k, user in enumerate(("administrator", "admin", "root")):
            f.write(failure(start + timedelta(seconds=i * step + k), "HOST%03d.corp.local" % i, src, user) + "\n")


monday = datetime(2014, 11, 3, 2, 0, tzinfo=timezone.utc)
for w in range(3):
    with open(os.path.join(out, "week%d.json" % w), "w") as f:
        sweep(f, monday + timedelta(weeks=w), "10.0.5.20", 150, 20)
        if w == 1:
            sweep(f, monday + timedelta(days=9, hours=1), "10.0.9.9", 10, 20)
with open(os.path.join(out, "week3.json"), "w") as f:
    sweep(f, monday + timedelta(days=16, hours=12), "10.0.5.20", 150, 20)
