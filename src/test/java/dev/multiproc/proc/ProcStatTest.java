package dev.multiproc.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcStatTest {

    /** A /proc/PID/stat line with 52 fields; fields 3 onwards are given in {@code rest}. */
    private static String statLine(long pid, String comm, String state, long ppid, long session, long startTicks, long rss) {
        List<String> f = new ArrayList<>();
        f.add(state); // 3
        f.add(Long.toString(ppid)); // 4
        f.add("777"); // 5 pgrp
        f.add(Long.toString(session)); // 6
        for (int field = 7; field <= 21; field++) {
            f.add(Integer.toString(1000 + field));
        }
        f.add(Long.toString(startTicks)); // 22
        f.add("123456789"); // 23 vsize
        f.add(Long.toString(rss)); // 24
        for (int field = 25; field <= 52; field++) {
            f.add(Integer.toString(2000 + field));
        }
        return pid + " (" + comm + ") " + String.join(" ", f) + "\n";
    }

    @Test
    void readsThisProcess() {
        long pid = ProcessHandle.current().pid();
        ProcStat s = ProcStat.read(pid).orElseThrow();
        assertEquals(pid, s.pid());
        assertTrue(s.isLive());
        assertTrue("RSD".indexOf(s.state()) >= 0, "state " + s.state());
        ProcessHandle.current().parent().ifPresent(p -> assertEquals(p.pid(), s.ppid()));
        assertTrue(s.startTicks() > 0, "start ticks " + s.startTicks());
        assertTrue(s.rssPages() > 0, "rss pages " + s.rssPages());
        // the start time does not change between reads
        assertEquals(s.startTicks(), ProcStat.read(pid).orElseThrow().startTicks());
        assertEquals(new ProcessIdentity(pid, s.startTicks()).isAlive(), true);
    }

    @Test
    void readsAChildProcess() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        try {
            ProcStat s = ProcStat.read(p.pid()).orElseThrow();
            assertEquals(p.pid(), s.pid());
            assertEquals(ProcessHandle.current().pid(), s.ppid());
            assertTrue(s.isLive());
            assertTrue(s.startTicks() >= ProcStat.read(ProcessHandle.current().pid()).orElseThrow().startTicks());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(Optional.empty(), ProcStat.read(p.pid()).filter(ProcStat::isLive).filter(s -> s.ppid() == ProcessHandle.current().pid()));
    }

    @Test
    void readsNothingForAMissingProcess() {
        assertEquals(Optional.empty(), ProcStat.read(999_999_999L));
        assertEquals(Optional.empty(), ProcStat.read(-1));
        assertEquals(Optional.empty(), ProcStat.read(Long.MAX_VALUE));
    }

    @Test
    void parsesFieldsAfterTheLastParenthesis() {
        ProcStat s = ProcStat.parse(123, statLine(123, "a b) c", "S", 1, 55, 424242, 99)).orElseThrow();
        assertEquals(new ProcStat(123, 'S', 1, 55, 424242, 99, 1014 + 1015, 1016 + 1017), s); // utime+stime, cutime+cstime
        assertTrue(s.isLive());
    }

    @Test
    void parsesCommandNamesWithParenthesesAndSpaces() {
        for (String comm : List.of("sleep", "a b", "(x)", ") R 9 9 9", "((", "))", " ", "", "x) (y", "tab\tname", "new\nline")) {
            ProcStat s = ProcStat.parse(7, statLine(7, comm, "R", 42, 43, 44, 45)).orElseThrow(() -> new AssertionError(comm));
            assertEquals(new ProcStat(7, 'R', 42, 43, 44, 45, 1014 + 1015, 1016 + 1017), s, comm);
        }
    }

    @Test
    void zombiesAndDeadAreNotLive() {
        assertFalse(ProcStat.parse(1, statLine(1, "z", "Z", 1, 1, 1, 0)).orElseThrow().isLive());
        assertFalse(ProcStat.parse(1, statLine(1, "z", "X", 1, 1, 1, 0)).orElseThrow().isLive());
        assertFalse(ProcStat.parse(1, statLine(1, "z", "x", 1, 1, 1, 0)).orElseThrow().isLive());
        for (String st : List.of("R", "S", "D", "T", "t", "I")) {
            assertTrue(ProcStat.parse(1, statLine(1, "p", st, 1, 1, 1, 0)).orElseThrow().isLive(), st);
        }
    }

    @Test
    void truncatedTextIsEmpty() {
        String full = statLine(5, "x", "S", 1, 2, 3, 4);
        assertEquals(Optional.empty(), ProcStat.parse(5, ""));
        assertEquals(Optional.empty(), ProcStat.parse(5, "5 (x"));
        assertEquals(Optional.empty(), ProcStat.parse(5, "5 (x)"));
        assertEquals(Optional.empty(), ProcStat.parse(5, "5 (x) "));
        assertEquals(Optional.empty(), ProcStat.parse(5, "5 (x) S 1 2 3"));
        assertEquals(Optional.empty(), ProcStat.parse(5, full.substring(0, full.indexOf(" 123456789 "))));
    }

    @Test
    void readsAProcessWithANonAsciiName() throws Exception {
        // the shell renames itself to "été" (UTF-8), then waits; `; exit 0` keeps it from exec'ing sleep
        Process p = new ProcessBuilder("/bin/sh", "-c", "printf '\\303\\251t\\303\\251' > /proc/$$/comm; sleep 30; exit 0").start();
        try {
            Path comm = Path.of("/proc", Long.toString(p.pid()), "comm");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!new String(Files.readAllBytes(comm), StandardCharsets.UTF_8).trim().equals("été")) {
                assertTrue(System.nanoTime() < deadline, "the shell did not rename itself");
                Thread.sleep(10);
            }
            Optional<ProcStat> s = ProcStat.read(p.pid());
            assertTrue(s.isPresent(), "a live process with a non-ASCII name reads as absent");
            assertTrue(s.get().isLive());
            assertEquals(ProcessHandle.current().pid(), s.get().ppid());
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
