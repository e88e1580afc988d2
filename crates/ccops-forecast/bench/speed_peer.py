#!/usr/bin/env python3
"""Peer timing for `ccops bench forecast --only speed`: statsforecast MSTL (the settings of
shared/bench/forecast/backtest.py, season lengths [day, week], STL jumps) on the same day-ahead
rolling-origin backtest ccops runs: 28 origins at the last 28 day starts, 16 weeks of training,
15-minute intervals (96 per day). Input CSV `queue,y` (rows in time order per queue).
Usage: speed_peer.py SAMPLE.csv OUT.json
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from statsforecast.models import MSTL

PER_DAY = 96
WEEK = 7 * PER_DAY


def main() -> int:
    frame = pd.read_csv(sys.argv[1])
    queues = list(dict.fromkeys(frame["queue"]))
    seconds = 0.0
    wape_num = wape_den = 0.0
    for q in queues:
        y = frame.loc[frame["queue"] == q, "y"].to_numpy(float)
        n_days = len(y) // PER_DAY
        for d in range(n_days - 28, n_days):
            origin = d * PER_DAY
            t0 = time.perf_counter()
            model = MSTL(season_length=[PER_DAY, WEEK], stl_kwargs={"trend_jump": 24, "low_pass_jump": 24, "seasonal_jump": 1})
            fc = np.clip(np.asarray(model.forecast(y=y[origin - 16 * WEEK:origin], h=PER_DAY)["mean"]), 0, None)
            seconds += time.perf_counter() - t0
            actual = y[origin:origin + PER_DAY]
            wape_num += np.abs(actual - fc).sum()
            wape_den += actual.sum()
    out = {"model": "statsforecast MSTL", "queues": len(queues), "origins": 28, "seconds_total": seconds,
           "seconds_per_queue": seconds / max(len(queues), 1), "wape": wape_num / max(wape_den, 1e-9)}
    with open(sys.argv[2], "w") as fh:
        json.dump(out, fh, indent=2)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
