"""Background lines from the data and infrastructure tier: HDFS, syslog, Kafka, GC, Spark,
Celery and PostgreSQL. Their node addresses are mostly private and then not labelled (see
``Kit.ip``); block ids, offsets, OIDs and host names that
embed IP-like digits (``ip-10-0-1-5``) are the look-alikes.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.kit import Kit
from bench.parts import FREE, Line, Pii


class InfraLines(Kit):
    """Infrastructure background templates; each returns one or more complete lines."""

    def table(self) -> list[tuple[Callable[[], list[Line]], int]]:
        return [
            (self.hdfs, 6),
            (self.syslog, 5),
            (self.kafka, 4),
            (self.gc, 4),
            (self.spark, 2),
            (self.celery, 3),
            (self.sql, 1),
        ]

    def host(self) -> str:
        return f"ip-10-0-{self.n(0, 9)}-{self.n(1, 250)}"

    def hdfs(self) -> list[Line]:
        """The HDFS DataNode/NameNode lines of the well-known loghub HDFS data set."""
        x, c, n = self.x, self.c, self.n
        head = f"{c.hdfs()} {n(10, 999)} INFO dfs."
        r = self.rng.random()
        if r < 0.35:
            ip = self.ip(v6=False)
            return [
                [
                    f"{head}DataNode$DataXceiver: Receiving block {x.blk()} src: /",
                    ip,
                    f":{n(30000, 60000)} dest: /",
                    ip if isinstance(ip, str) else Pii(ip.text, "IP_ADDRESS", FREE),
                    ":50010",
                ]
            ]
        if r < 0.6:
            return [
                [
                    f"{head}DataNode$PacketResponder: PacketResponder {n(0, 2)} for block "
                    f"{x.blk()} terminating"
                ]
            ]
        if r < 0.85:
            size = self.pick("67108864", "134217728", str(n(1000, 67108864)))
            return [
                [
                    f"{head}FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: ",
                    self.ip(v6=False),
                    f":50010 is added to {x.blk()} size {size}",
                ]
            ]
        return [
            [
                f"{head}DataNode: Deleting block {x.blk()} file "
                f"/mnt/hadoop/dfs/data/current/subdir{n(0, 63)}/{x.blk()}"
            ]
        ]

    def syslog(self) -> list[Line]:
        x, c, n = self.x, self.c, self.n
        head = f"{c.syslog()} {self.host()} "
        r = self.rng.random()
        if r < 0.25:
            return [
                [
                    f"{head}kernel: [{n(1000, 9999999)}.{x.digits(6)}] TCP: request_sock_TCP: "
                    "Possible SYN flooding on port 443. Sending cookies."
                ]
            ]
        if r < 0.5:
            return [
                [
                    f"{head}sshd[{n(1000, 60000)}]: Accepted publickey for deploy from ",
                    self.ip(),
                    f" port {n(30000, 65000)} ssh2: RSA SHA256:{x.alnum(43)}",
                ]
            ]
        if r < 0.65:
            return [
                [
                    f"{head}CRON[{n(1000, 60000)}]: (root) CMD (/usr/local/bin/logrotate.sh "
                    f"--batch {x.six()})"
                ]
            ]
        if r < 0.8:
            return [[f"{head}systemd[1]: Started Session {n(1, 9999)} of user ubuntu."]]
        return [
            [
                f"{head}snmpd[{n(100, 9999)}]: Received SNMP packet(s) from UDP: [",
                self.ip(),
                f"]:161 oid={x.oid()}",
            ]
        ]

    def kafka(self) -> list[Line]:
        x, c, n = self.x, self.c, self.n
        p = n(0, 31)
        if self.chance(0.5):
            leader = f"kafka-{n(0, 5)}.internal:9092 (id: {n(0, 5)} rack: ap-south-1b)"
            return [
                [
                    f"[{c.py()}] INFO [Consumer clientId=order-events-consumer-{n(1, 8)}, "
                    f"groupId=order-sync] Setting offset for partition order-events-{p} to the "
                    f"committed offset FetchPosition{{offset={x.offset10()}, "
                    f"offsetEpoch=Optional[{n(1, 40)}], currentLeader=LeaderAndEpoch{{"
                    f"leader=Optional[{leader}], epoch={n(1, 40)}}}}}"
                ]
            ]
        return [
            [
                f"[{c.py()}] INFO Committed offsets {{orders-{p}=OffsetAndMetadata{{"
                f"offset={x.offset10()}, leaderEpoch={n(1, 40)}, metadata=''}}}} "
                f"for group payments-recon in {n(1, 90)} ms"
            ]
        ]

    def gc(self) -> list[Line]:
        c, n = self.c, self.n
        r = self.rng.random()
        a = n(512, 4096)
        if r < 0.5:
            return [
                [
                    f"[{c.iso()}][info][gc] GC({n(1, 99999)}) Pause Young (Normal) "
                    f"(G1 Evacuation Pause) {a}M->{a // 3}M({a * 2}M) "
                    f"{self.rng.random() * 40:.3f}ms"
                ]
            ]
        if r < 0.75:
            return [
                [
                    f"[{self.rng.random() * 99999:.3f}s][info][gc,heap] GC({n(1, 99999)}) "
                    f"Eden regions: {n(1, 64)}->0({n(30, 90)})"
                ]
            ]
        return [
            [
                f"{c.iso()}: {self.rng.random() * 99999:.3f}: [GC (Allocation Failure) "
                f"[PSYoungGen: {a * 256}K->{a * 32}K({a * 300}K)] {a * 512}K->{a * 288}K"
                f"({a * 980}K), {self.rng.random():.7f} secs] "
                "[Times: user=0.12 sys=0.01, real=0.05 secs]"
            ]
        ]

    def spark(self) -> list[Line]:
        c, n = self.c, self.n
        host = f"{self.host()}.ap-south-1.compute.internal"
        d = c.hdfs()
        head = f"{d[:2]}/{d[2:4]}/{d[4:6]} {c.spring()[11:19]} INFO "
        if self.chance(0.5):
            return [
                [
                    f"{head}BlockManagerInfo: Added broadcast_{n(1, 99)}_piece0 in memory on "
                    f"{host}:{n(30000, 60000)} (size: {self.rng.random() * 9:.1f} KiB, "
                    f"free: {self.rng.random() * 4:.1f} GiB)"
                ]
            ]
        return [
            [
                f"{head}TaskSetManager: Finished task {n(0, 199)}.0 in stage {n(0, 20)}.0 "
                f"(TID {n(1, 9999)}) in {n(10, 99999)} ms on {host} (executor {n(1, 16)}) "
                f"({n(1, 200)}/200)"
            ]
        ]

    def celery(self) -> list[Line]:
        x, c, n = self.x, self.c, self.n
        r = self.rng.random()
        if r < 0.6:
            return [
                [
                    f"[{c.py()}: INFO/ForkPoolWorker-{n(1, 8)}] Task "
                    f"orders.tasks.sync_inventory[{x.uuid()}] succeeded in "
                    f"{self.rng.random():.3f}s: None"
                ]
            ]
        if r < 0.8:
            return [[f"[{c.py()}: INFO/MainProcess] worker@{self.host()} ready."]]
        return [
            [f"[{c.py()}: INFO/MainProcess] Connected to amqp://guest:**@rabbitmq.internal:5672//"]
        ]

    def sql(self) -> list[Line]:
        return [
            [
                f"{self.c.spring()} IST [{self.n(1000, 60000)}] LOG:  duration: "
                f"{self.rng.random() * 5000:.3f} ms  statement: SELECT id, status FROM orders "
                "WHERE created_at > $1 AND seller_id = $2 LIMIT 500"
            ]
        ]
