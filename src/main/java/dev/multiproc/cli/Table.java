package dev.multiproc.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Rows for people (an aligned table), for spreadsheets (CSV) and for scripts (JSON). */
final class Table {
    /** Built on first use: Jackson's set-up costs a plain table's command about 40 ms of its start. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }
    private static final int MAX_CELL = 60;

    enum Format { TABLE, CSV, JSON }

    private final List<String> columns;
    private final List<List<Object>> rows;

    Table(List<String> columns, List<List<Object>> rows) {
        this.columns = columns;
        this.rows = rows;
    }

    static Table of(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            columns.add(md.getColumnLabel(i).toLowerCase(Locale.ROOT));
        }
        List<List<Object>> rows = new ArrayList<>();
        while (rs.next()) {
            List<Object> row = new ArrayList<>(columns.size());
            for (int i = 1; i <= columns.size(); i++) {
                row.add(plain(rs.getObject(i)));
            }
            rows.add(row);
        }
        return new Table(columns, rows);
    }

    int size() {
        return rows.size();
    }

    List<Map<String, Object>> records() {
        List<Map<String, Object>> out = new ArrayList<>(rows.size());
        for (List<Object> row : rows) {
            Map<String, Object> r = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                r.put(columns.get(i), row.get(i));
            }
            out.add(r);
        }
        return out;
    }

    void print(PrintWriter out, Format format) {
        switch (format) {
            case JSON -> out.println(json(records()));
            case CSV -> {
                out.println(csvLine(new ArrayList<>(columns)));
                for (List<Object> row : rows) {
                    out.println(csvLine(row));
                }
            }
            default -> printAligned(out);
        }
        out.flush();
    }

    private void printAligned(PrintWriter out) {
        int[] width = new int[columns.size()];
        List<List<String>> cells = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            width[i] = columns.get(i).length();
        }
        for (List<Object> row : rows) {
            List<String> line = new ArrayList<>();
            for (int i = 0; i < row.size(); i++) {
                String cell = cell(row.get(i));
                line.add(cell);
                width[i] = Math.max(width[i], cell.length());
            }
            cells.add(line);
        }
        out.println(line(columns, width));
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        out.println(rule);
        for (List<String> line : cells) {
            out.println(line(line, width));
        }
        out.println("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)"));
    }

    private static String line(List<String> cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                b.append("  ");
            }
            b.append(cells.get(i));
            if (i < cells.size() - 1) {
                b.append(" ".repeat(width[i] - cells.get(i).length()));
            }
        }
        return b.toString();
    }

    private static String cell(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString().replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
        return s.length() <= MAX_CELL ? s : s.substring(0, MAX_CELL - 1) + "…";
    }

    private static String csvLine(List<Object> values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            Object v = values.get(i);
            if (v == null) {
                continue;
            }
            String s = v.toString();
            if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
                b.append('"').append(s.replace("\"", "\"\"")).append('"');
            } else {
                b.append(s);
            }
        }
        return b.toString();
    }

    /** Values as JSON and tables want them: times as ISO-8601 text, everything else as it is. */
    static Object plain(Object value) {
        if (value instanceof TemporalAccessor || value instanceof java.util.Date) {
            return value.toString();
        }
        if (value instanceof BigDecimal d) {
            return d.stripTrailingZeros().scale() <= 0 ? d.toBigInteger() : d;
        }
        return value;
    }

    static String json(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
