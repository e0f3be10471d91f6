package dev.multiproc.journal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records the write statements the journal writer executes, with their parameters, so that a commit
 * can be written to the {@link RedoLog} and applied again if H2 loses it. Connections it wraps pass
 * every call through to H2 and note, on the side, each statement that changed something: what was
 * executed with an update count (not a result set), or as a batch.
 *
 * <p>Only the journal writer's thread uses the connections of one recorder: {@link #begin()} before a
 * transaction, {@link #recorded()} after its commit.
 */
final class StatementRecorder {
    private List<RecordedStatement> recorded = new ArrayList<>();
    private volatile Thread recording;

    /** Starts recording a new transaction: the connections this thread opens until {@link #end()} are wrapped. */
    void begin() {
        recorded = new ArrayList<>();
        recording = Thread.currentThread();
    }

    /** Stops wrapping this thread's new connections; what was recorded stays until the next {@link #begin()}. */
    void end() {
        recording = null;
    }

    /** Whether a connection this thread opens now is one to record (between {@link #begin()} and {@link #end()}). */
    boolean recordsThisThread() {
        return recording == Thread.currentThread();
    }

    /** The write statements executed since {@link #begin()}, in order. */
    List<RecordedStatement> recorded() {
        return recorded;
    }

    Connection wrap(Connection c) {
        return proxy(Connection.class, c, (target, method, args) -> {
            Object result = invoke(target, method, args);
            if (method.getName().equals("prepareStatement") && args != null && args[0] instanceof String sql) {
                return proxy(PreparedStatement.class, result, new PreparedRecorder(sql));
            }
            if (method.getName().equals("createStatement")) {
                return proxy(Statement.class, result, this::plainStatement);
            }
            return result;
        });
    }

    private Object plainStatement(Object target, Method method, Object[] args) throws Throwable {
        Object result = invoke(target, method, args);
        String name = method.getName();
        if (args != null && args.length >= 1 && args[0] instanceof String sql && changed(name, result)) {
            recorded.add(new RecordedStatement(sql, List.<Object[]>of(new Object[0])));
        }
        return result;
    }

    /** Whether an execute call of this name with this result changed rows (and did not return a result set). */
    private static boolean changed(String name, Object result) {
        return switch (name) {
            case "execute" -> Boolean.FALSE.equals(result);
            case "executeUpdate", "executeLargeUpdate" -> true;
            default -> false;
        };
    }

    private final class PreparedRecorder implements Handler {
        private final String sql;
        private Object[] parameters = new Object[8];
        private int count;
        private final List<Object[]> batch = new ArrayList<>();

        PreparedRecorder(String sql) {
            this.sql = sql;
        }

        @Override
        public Object handle(Object target, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer index
                    && method.getDeclaringClass() == PreparedStatement.class) {
                Object value = name.equals("setNull") ? new RecordedStatement.Null((Integer) args[1])
                        : args[1] == null ? new RecordedStatement.Null(java.sql.Types.NULL) : args[1];
                set(index, value, name);
            }
            Object result = invoke(target, method, args);
            switch (name) {
                case "clearParameters" -> count = 0;
                case "addBatch" -> {
                    batch.add(Arrays.copyOf(parameters, count));
                    count = 0;
                }
                case "clearBatch" -> batch.clear();
                case "executeBatch", "executeLargeBatch" -> {
                    if (!batch.isEmpty()) {
                        recorded.add(new RecordedStatement(sql, List.copyOf(batch)));
                    }
                    batch.clear();
                }
                default -> {
                    if ((args == null || args.length == 0) && changed(name, result)) {
                        recorded.add(new RecordedStatement(sql, List.<Object[]>of(Arrays.copyOf(parameters, count))));
                    }
                }
            }
            return result;
        }

        private void set(int index, Object value, String setter) {
            if (!(value instanceof RecordedStatement.Null) && !recordable(value)) {
                throw new IllegalStateException("the redo log cannot record " + setter + " with a " + value.getClass().getName()
                        + " parameter: " + sql);
            }
            if (index > parameters.length) {
                parameters = Arrays.copyOf(parameters, Math.max(index, parameters.length * 2));
            }
            parameters[index - 1] = value;
            count = Math.max(count, index);
        }
    }

    private static boolean recordable(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof String || v instanceof Boolean || v instanceof Double
                || v instanceof byte[] || v instanceof Short || v instanceof java.math.BigDecimal;
    }

    @FunctionalInterface
    private interface Handler {
        Object handle(Object target, Method method, Object[] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, Object target, Handler handler) {
        InvocationHandler h = (p, method, args) -> {
            if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
                return invoke(target, method, args);
            }
            return handler.handle(target, method, args);
        };
        return type.cast(Proxy.newProxyInstance(StatementRecorder.class.getClassLoader(), new Class<?>[] {type}, h));
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
