package dev.multiproc.journal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One write statement of a journal commit, with the parameters it was executed with: once, or once per
 * batch entry. Applied again to the database state it was first executed on, it has the same effect.
 */
record RecordedStatement(String sql, List<Object[]> parameterSets) {

    /** A parameter bound to SQL NULL, with the JDBC type it was bound as. */
    record Null(int sqlType) {
    }

    private static final byte NULL = 0;
    private static final byte LONG = 1;
    private static final byte INT = 2;
    private static final byte STRING = 3;
    private static final byte BOOLEAN = 4;
    private static final byte DOUBLE = 5;
    private static final byte BYTES = 6;
    private static final byte SHORT = 7;
    private static final byte DECIMAL = 8;

    /** Executes the statement on {@code c}, in the caller's transaction. */
    void apply(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (parameterSets.size() == 1) {
                bind(ps, parameterSets.get(0));
                ps.execute();
                return;
            }
            for (Object[] parameters : parameterSets) {
                bind(ps, parameters);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void bind(PreparedStatement ps, Object[] parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            Object v = parameters[i];
            if (v instanceof Null n) {
                ps.setNull(i + 1, n.sqlType());
            } else {
                ps.setObject(i + 1, v);
            }
        }
    }

    void writeTo(DataOutputStream out) throws IOException {
        writeString(out, sql);
        out.writeInt(parameterSets.size());
        for (Object[] parameters : parameterSets) {
            out.writeInt(parameters.length);
            for (Object v : parameters) {
                writeValue(out, v);
            }
        }
    }

    static RecordedStatement readFrom(DataInputStream in) throws IOException {
        String sql = readString(in);
        int sets = in.readInt();
        List<Object[]> parameterSets = new ArrayList<>(sets);
        for (int s = 0; s < sets; s++) {
            Object[] parameters = new Object[in.readInt()];
            for (int i = 0; i < parameters.length; i++) {
                parameters[i] = readValue(in);
            }
            parameterSets.add(parameters);
        }
        return new RecordedStatement(sql, parameterSets);
    }

    private static void writeValue(DataOutputStream out, Object v) throws IOException {
        if (v instanceof Null n) {
            out.writeByte(NULL);
            out.writeInt(n.sqlType());
        } else if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (v instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            writeString(out, s);
        } else if (v instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(b);
        } else if (v instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else if (v instanceof byte[] b) {
            out.writeByte(BYTES);
            out.writeInt(b.length);
            out.write(b);
        } else if (v instanceof Short s) {
            out.writeByte(SHORT);
            out.writeShort(s);
        } else if (v instanceof BigDecimal d) {
            out.writeByte(DECIMAL);
            writeString(out, d.toString());
        } else {
            throw new IllegalArgumentException("the redo log cannot record a parameter of type "
                    + (v == null ? "null" : v.getClass().getName()));
        }
    }

    private static Object readValue(DataInputStream in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case NULL -> new Null(in.readInt());
            case LONG -> in.readLong();
            case INT -> in.readInt();
            case STRING -> readString(in);
            case BOOLEAN -> in.readBoolean();
            case DOUBLE -> in.readDouble();
            case BYTES -> {
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                yield b;
            }
            case SHORT -> in.readShort();
            case DECIMAL -> new BigDecimal(readString(in));
            default -> throw new IOException("unknown parameter tag " + tag);
        };
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            throw new IOException("negative string length " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
