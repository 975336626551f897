package io.ironcage.router.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time and memory of a process tree, read from Linux's {@code /proc} (the harness is
 * Linux-only; it says so when {@code /proc} is missing). CPU time is user + system, in clock ticks
 * of {@code 1 / CLK_TCK} s (100 Hz on Linux), so a window must hold enough requests for the tick
 * resolution not to matter; the harness's windows hold thousands.
 */
final class ProcessStats {
    /** Linux's {@code USER_HZ}: {@code getconf CLK_TCK} is 100 on every mainstream kernel. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessStats() {}

    /**
     * Returns the CPU time used so far by a process and all its descendants (nginx's workers).
     *
     * @param pid the root process
     * @return CPU seconds
     */
    static double cpuSeconds(long pid) {
        double total = 0;
        for (long p : tree(pid)) {
            String stat = read(Path.of("/proc", Long.toString(p), "stat"));
            if (stat == null) {
                continue;
            }
            // fields after the command name, which is in parentheses and may hold spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long utime = Long.parseLong(f[11]);
            long stime = Long.parseLong(f[12]);
            total += (utime + stime) / TICKS_PER_SECOND;
        }
        return total;
    }

    /**
     * Returns the resident set size of a process tree, summed, in MiB.
     *
     * @param pid the root process
     * @param field {@code VmRSS} (now) or {@code VmHWM} (peak)
     * @return MiB
     */
    static double memoryMiB(long pid, String field) {
        long kib = 0;
        for (long p : tree(pid)) {
            String status = read(Path.of("/proc", Long.toString(p), "status"));
            if (status == null) {
                continue;
            }
            for (String line : status.split("\n")) {
                if (line.startsWith(field + ":")) {
                    kib +=
                            Long.parseLong(
                                    line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        }
        return kib / 1024.0;
    }

    private static List<Long> tree(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        return pids;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return null; // the process ended
        }
    }
}
