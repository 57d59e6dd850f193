"""Statistics the bench table scripts share: hyperfine JSON pooled over rounds, mean and sd."""
import glob
import json
import statistics


def pooled_times(pattern):
    """name -> list of seconds, over every hyperfine JSON file matching the glob pattern."""
    times = {}
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            for r in json.load(f)["results"]:
                times.setdefault(r["command"], []).extend(r["times"])
    return times


def mean_sd(xs):
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)
