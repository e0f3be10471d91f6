package dev.multiproc.cli;

import com.sun.management.GarbageCollectorMXBean;
import com.sun.management.GcInfo;
import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the resident memory of a command-line host near the heap it uses. With the JVM's defaults the
 * heap may grow to a quarter of the machine's memory, and G1 grows it whenever its pauses take long (as
 * on a loaded machine), then gives nothing back: a run of 100,000 commands reached 2.7 GiB resident with
 * a live heap under 70 MiB. G1 returns memory after a concurrent cycle, down to what
 * {@code MaxHeapFreeRatio} allows; so, while the heap is over {@link #FLOOR_BYTES} and over
 * {@link #SLACK} times what the last collection left in it, this asks G1 for a cycle every second (a
 * periodic collection), and stops asking once the heap is back in shape. The flags are the JVM's
 * manageable ones, set at run time (no second JVM), and only those the user did not set. It works off
 * the main thread, from a second after start: loading the management classes takes a while.
 */
final class HostMemory {
    private static final Logger log = LoggerFactory.getLogger(HostMemory.class);
    /** Below this the heap is left alone. */
    static final long FLOOR_BYTES = 256L << 20;
    /** How much larger than what the last collection left the heap may be (room to allocate in). */
    static final int SLACK = 3;
    private static final long CHECK_MS = 1_000;
    private static final String PERIODIC = "G1PeriodicGCInterval";

    private HostMemory() {
    }

    /** Starts keeping the heap in shape for as long as this JVM runs. */
    static void bound() {
        Thread t = new Thread(HostMemory::keepInShape, "multiproc-memory");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void keepInShape() {
        try {
            Thread.sleep(CHECK_MS); // a run that is over by then needs none of this; start-up comes first
        } catch (InterruptedException e) {
            return;
        }
        HotSpotDiagnosticMXBean vm;
        GarbageCollectorMXBean young;
        try {
            vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            young = ManagementFactory.getPlatformMXBeans(GarbageCollectorMXBean.class).stream()
                    .filter(b -> b.getName().equals("G1 Young Generation")).findFirst().orElse(null);
            if (young == null || !ours(vm.getVMOption(PERIODIC))) {
                return; // another collector, or the user chose: theirs to tune
            }
            // Min first: Max may not go below it. After a cycle G1 keeps at most twice what it holds
            setIfDefault(vm, "MinHeapFreeRatio", "20");
            setIfDefault(vm, "MaxHeapFreeRatio", "50");
        } catch (RuntimeException | LinkageError e) {
            log.debug("cannot tune the heap: {}", e.toString());
            return;
        }
        Runtime rt = Runtime.getRuntime();
        boolean asking = false;
        while (true) {
            long committed = rt.totalMemory();
            long kept = keptByLastCollection(young);
            boolean oversized = committed > FLOOR_BYTES && kept > 0 && committed > SLACK * kept;
            if (oversized != asking) {
                vm.setVMOption(PERIODIC, oversized ? Long.toString(CHECK_MS) : "0");
                asking = oversized;
                log.debug("heap {} MiB committed, {} MiB kept by the last collection: periodic collections {}", committed >> 20,
                        kept >> 20, asking ? "on" : "off");
            }
            try {
                Thread.sleep(CHECK_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The heap in use right after the last young collection: what lives, and what old garbage waits for a cycle; 0 before one. */
    private static long keptByLastCollection(GarbageCollectorMXBean young) {
        GcInfo last = young.getLastGcInfo();
        if (last == null) {
            return 0;
        }
        long kept = 0;
        for (var pool : last.getMemoryUsageAfterGc().entrySet()) {
            if (pool.getKey().startsWith("G1 ")) { // Eden, Survivor, Old Gen: the heap, not the code cache or metaspace
                kept += pool.getValue().getUsed();
            }
        }
        return kept;
    }

    private static void setIfDefault(HotSpotDiagnosticMXBean vm, String name, String value) {
        if (ours(vm.getVMOption(name))) {
            vm.setVMOption(name, value);
        }
    }

    private static boolean ours(VMOption option) {
        return option.getOrigin() == VMOption.Origin.DEFAULT || option.getOrigin() == VMOption.Origin.MANAGEMENT;
    }
}
