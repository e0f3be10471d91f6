package dev.multiproc.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;

/**
 * A connection for a reader that stays open (the console) that follows where the journal can be read:
 * a private copy of its file while no host holds it, the host's journal server while one does. Before a
 * call, at most once a second, it looks whether that changed and reconnects if so; a statement made
 * before a switch fails once its connection is closed, and the next one works.
 */
final class FollowingConnection implements InvocationHandler {
    /** Connects wherever the journal can be read now. */
    interface Connector {
        JournalAccess.Source connect() throws SQLException;
    }

    private static final long CHECK_INTERVAL_NS = 1_000_000_000L;

    private final Connector connector;
    private final BooleanSupplier hostHolds;
    private JournalAccess.Source current;
    private long checkedAt = System.nanoTime();
    private boolean closed;
    private Connection self;

    private FollowingConnection(Connector connector, BooleanSupplier hostHolds, JournalAccess.Source first) {
        this.connector = connector;
        this.hostHolds = hostHolds;
        this.current = first;
    }

    static Connection of(Connector connector, BooleanSupplier hostHolds) throws SQLException {
        FollowingConnection handler = new FollowingConnection(connector, hostHolds, connector.connect());
        handler.self = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
        return handler.self;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "close" -> {
                close();
                return null;
            }
            case "isClosed" -> {
                return isClosed();
            }
            case "equals" -> {
                return proxy == args[0];
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "toString" -> {
                return "journal reader following " + current().toString();
            }
            case "getMetaData" -> {
                return metaData();
            }
            default -> {
                return call(current(), method, args);
            }
        }
    }

    /** Metadata that asks the current connection each time: the console keeps it for as long as it runs. */
    private DatabaseMetaData metaData() {
        return (DatabaseMetaData) Proxy.newProxyInstance(DatabaseMetaData.class.getClassLoader(), new Class<?>[] {DatabaseMetaData.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getConnection" -> self;
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> call(current().getMetaData(), method, args);
                });
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private synchronized Connection current() throws SQLException {
        long now = System.nanoTime();
        if (!closed && now - checkedAt >= CHECK_INTERVAL_NS) {
            checkedAt = now;
            if (hostHolds.getAsBoolean() != current.viaServer() || current.connection().isClosed()) {
                JournalAccess.Source old = current;
                try {
                    current = connector.connect();
                } catch (SQLException | RuntimeException e) {
                    return old.connection(); // keep reading what we have; the next check tries again
                }
                closeQuietly(old.connection());
            }
        }
        return current.connection();
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private synchronized void close() throws SQLException {
        closed = true;
        current.connection().close();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // a server connection whose host has gone: nothing left to release
        }
    }
}
