#!/usr/bin/env python3
"""Many capture files, one Parquet dataset, one query: synack under Apache Spark.

    spark-submit synack_job.py --synack /usr/bin/synack --out DATASET [--master local[2]]
                               [--shards N] CAPTURE...

Each capture file (or each file of a folder given) becomes one Spark task, which runs
`synack conv -r FILE -T parquet -w DATASET/part-N.parquet` where it runs: DATASET must be a folder
every worker can write (a shared filesystem on a cluster; any folder in local mode). With
`--shards N` the files are one capture (a dumpcap ring buffer: connections go on from one file
into the next) split N ways instead: task K runs `synack conv -r FILE1 -r FILE2 ... --shard K/N`,
reading every file and keeping the connections of its share of the server hosts. The driver
then reads the dataset and prints two reports: failed handshakes per server, and iRTT
percentiles per client /24 subnet. synack has to be installed on every worker (the Debian
package, or `cargo install --path cli`).
"""
import argparse
import os
import subprocess

from pyspark.sql import SparkSession, functions as F


def files_of(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(os.path.join(p, f) for f in os.listdir(p) if not f.startswith("."))
        else:
            out.append(p)
    return out


def convert(task, synack, out):
    """Spark task: one capture file to one Parquet file of the dataset."""
    index, path = task
    part = os.path.join(out, f"part-{index:05d}.parquet")
    done = subprocess.run([synack, "conv", "-r", path, "-T", "parquet", "-w", part], capture_output=True, text=True)
    # A damaged file still gives its good packets' rows; a file synack cannot read at all is said.
    return path, done.returncode, done.stderr.strip().splitlines()[-1:] if done.stderr else []


def convert_shard(task, synack, out, files, shards):
    """Spark task: shard K of the files read as one capture, to one Parquet file."""
    k = task
    part = os.path.join(out, f"shard-{k:05d}-of-{shards:05d}.parquet")
    reads = [arg for f in files for arg in ("-r", f)]
    done = subprocess.run([synack, "conv", *reads, "-T", "parquet", "-w", part, "--shard", f"{k}/{shards}"],
                          capture_output=True, text=True)
    return f"shard {k}/{shards}", done.returncode, done.stderr.strip().splitlines()[-1:] if done.stderr else []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--synack", default="synack")
    ap.add_argument("--out", required=True)
    ap.add_argument("--master", default=None)
    ap.add_argument("--shards", type=int, default=0)
    ap.add_argument("captures", nargs="+")
    a = ap.parse_args()
    builder = SparkSession.builder.appName("synack")
    if a.master:
        builder = builder.master(a.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    files = files_of(a.captures)
    os.makedirs(a.out, exist_ok=True)
    synack, out = a.synack, a.out
    if a.shards > 0:
        shards = a.shards
        results = spark.sparkContext.parallelize(range(1, shards + 1), shards).map(
            lambda k: convert_shard(k, synack, out, files, shards)).collect()
    else:
        results = spark.sparkContext.parallelize(list(enumerate(files)), len(files)).map(
            lambda t: convert(t, synack, out)).collect()
    for path, code, said in results:
        if code != 0:
            print(f"{path}: synack exit status {code}: {' '.join(said)}")
    conns = spark.read.parquet(out)
    print(f"connections: {conns.count()} from {len(files)} files")
    # The server's address without its port: [v6]:port or v4:port.
    host = F.regexp_replace(F.col("server"), r":\d+$", "")
    print("failed handshakes per server")
    failed = (conns.where(F.col("handshake") != "complete").groupBy(host.alias("server")).count()
              .orderBy(F.desc("count"), "server"))
    for r in failed.collect():
        print(f"  {r['server']}\t{r['count']}")
    print("iRTT (ms) per client /24: p50 p90 p99, connections")
    v4 = F.regexp_extract(F.col("client"), r"^(\d+\.\d+\.\d+)\.\d+:\d+$", 1)
    irtt = (conns.where((v4 != "") & F.col("irtt_ms").isNotNull())
            .groupBy(F.concat(v4, F.lit(".0/24")).alias("subnet"))
            .agg(F.percentile_approx("irtt_ms", [0.5, 0.9, 0.99]).alias("p"), F.count("*").alias("n"))
            .orderBy("subnet"))
    for r in irtt.collect():
        p = r["p"]
        print(f"  {r['subnet']}\t{p[0]:.3f} {p[1]:.3f} {p[2]:.3f}\t{r['n']}")
    spark.stop()


if __name__ == "__main__":
    main()
