// Who holds a listening TCP port on 127.0.0.1, as far as this OS lets us see without extra tools. Used to
// tell "the gateway we spawned is ready" from "another window's gateway, which won the port, is ready".
// Linux only (/proc); elsewhere the answer is "unknown" and callers keep their older, weaker check.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { ChildProcess } from "node:child_process";

/** Socket inodes listening on `port` (IPv4 and IPv6), or null when /proc/net is not readable. */
function listeningInodes(port: number): Set<string> | null {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  let readAny = false;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
      readAny = true;
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] local "ADDR:PORT", f[3] state (0A = LISTEN), f[9] inode
      if (f.length > 9 && f[3] === "0A" && f[1]!.endsWith(`:${hex}`)) inodes.add(f[9]!);
    }
  }
  return readAny ? inodes : null;
}

/** Pids whose process group is `pgid` (our spawned gateway leads its own group). */
function groupPids(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid pgrp …" — comm may contain spaces and parentheses: split after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(rest[2]) === pgid) out.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/**
 * true: a process of the child's group holds the listener; false: someone else does (or nobody);
 * undefined: this OS does not tell us (not Linux, /proc unreadable, no process group).
 */
export function listenerIsOurs(port: number, child: ChildProcess): boolean | undefined {
  if (process.platform !== "linux" || !child.pid) return undefined;
  if (child.exitCode !== null || child.signalCode !== null) return false;
  let inodes: Set<string> | null;
  try {
    inodes = listeningInodes(port);
  } catch {
    return undefined;
  }
  if (!inodes) return undefined;
  if (inodes.size === 0) return false;
  for (const pid of groupPids(child.pid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return true;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return false;
}
