package dev.multiproc.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** How a run shows how far it is: a live bar at a terminal, a line every few seconds elsewhere. */
abstract class Progress implements AutoCloseable {

    abstract void update(int done, int failed, int running, int queued);

    /** Runs {@code print}, which writes to the terminal, with the bar (if any) cleared before and drawn again after. */
    void aside(Runnable print) {
        print.run();
    }

    /** Makes room for a question at the terminal. */
    void pause() {
    }

    @Override
    public void close() {
    }

    static Progress none() {
        return new Progress() {
            @Override
            void update(int done, int failed, int running, int queued) {
            }
        };
    }

    static Progress forStream(PrintWriter err, String name, int total) {
        return System.console() != null ? new Bar(name, total) : new Lines(err, total);
    }

    /** The live bar: done of total, failed, running, queued, rate and ETA. */
    private static final class Bar extends Progress {
        private final BarLine line = new BarLine(System.err);
        private final ProgressBar bar;
        private boolean closed;

        Bar(String name, int total) {
            this.bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(total).setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(250).setConsumer(line).showSpeed().setUnit(" tasks", 1).build();
        }

        @Override
        void aside(Runnable print) {
            line.aside(print);
        }

        @Override
        void update(int done, int failed, int running, int queued) {
            if (!closed) {
                bar.stepTo(done + failed);
                bar.setExtraMessage(String.format(Locale.ROOT, "%d done, %d failed, %d running, %d queued", done, failed, running, queued));
            }
        }

        @Override
        void pause() {
            close();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                bar.close();
            }
        }
    }

    /** The bar's line at the terminal; the bar draws it from a thread of its own, so what prints beside it waits its turn. */
    private static final class BarLine extends ConsoleProgressBarConsumer {
        private final PrintStream stream;
        private String drawn;
        private boolean closed;

        BarLine(PrintStream stream) {
            super(stream);
            this.stream = stream;
        }

        @Override
        public synchronized void accept(String rendered) {
            drawn = rendered;
            super.accept(rendered);
            stream.flush();
        }

        synchronized void aside(Runnable print) {
            boolean shown = drawn != null && !closed;
            if (shown) {
                stream.print('\r' + " ".repeat(Math.max(0, getMaxRenderedLength())) + '\r');
                stream.flush();
            }
            print.run();
            if (shown) {
                accept(drawn);
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            super.close();
        }
    }

    /** Off a terminal: a plain line on stderr at most every two seconds, and a last one. */
    private static final class Lines extends Progress {
        private final PrintWriter err;
        private final int total;
        private final long started = System.nanoTime();
        private long lastReport;
        private int lastFinished = -1;

        Lines(PrintWriter err, int total) {
            this.err = err;
            this.total = total;
        }

        @Override
        void update(int done, int failed, int running, int queued) {
            long now = System.nanoTime();
            int finished = done + failed;
            boolean last = finished >= total;
            if (finished == lastFinished || (!last && now - lastReport < 2_000_000_000L)) {
                return;
            }
            lastReport = now;
            lastFinished = finished;
            double elapsed = (now - started) / 1e9;
            double rate = elapsed > 0 ? finished / elapsed : 0;
            String eta = rate > 0 && !last ? String.format(Locale.ROOT, ", eta %.0fs", (total - finished) / rate) : "";
            err.printf(Locale.ROOT, "multiproc: %d/%d finished (%d done, %d failed), %d running, %d queued, %.1f/s%s%n", finished, total,
                    done, failed, running, queued, rate, eta);
            err.flush();
        }
    }
}
