package org.transprune.report;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Writes tables as CSV (Tablesaw's writer), Markdown and a self-contained HTML page (no
 * scripts, no external styles). Numbers print with two decimals (TFLOPs below 0.01 with three
 * significant digits, columns named "... (%)" with one decimal, positional bias and shift columns with three);
 * a missing value is empty.
 */
public final class TableWriters {
    /** Images under this folder are full-width figures in the HTML page. */
    public static final String WIDE_PREFIX = "heatmaps/";

    private TableWriters() {}

    /** Tablesaw's CSV writer. */
    public static void csv(Table t, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        t.write().csv(file.toFile());
    }

    /**
     * A cell as text, missing as empty: numbers with two decimals, except in a column named
     * {@code TFLOPs} ({@link #tflops}) and in one whose name ends in {@code (%)} (one decimal).
     */
    static String cell(Column<?> c, int row) {
        if (c.isMissing(row)) {
            return "";
        }
        if (c instanceof NumericColumn<?> n) {
            double v = n.getDouble(row);
            if (c.name().equals("TFLOPs")) {
                return tflops(v);
            }
            if (c.name().startsWith("bias ") || c.name().startsWith("shift ")) {
                return String.format(Locale.ROOT, "%+.3f", v);
            }
            return String.format(Locale.ROOT, c.name().endsWith("(%)") ? "%.1f" : "%.2f", v);
        }
        return c.getString(row);
    }

    /** Two decimals as in the paper, or three significant digits below 0.01 (micro models: 0.000148). */
    public static String tflops(double t) {
        return Math.abs(t) >= 0.01 || t == 0
                ? String.format(Locale.ROOT, "%.2f", t)
                : String.format(Locale.ROOT, "%.3g", t);
    }

    /** A GitHub-flavoured Markdown table with the table's name as a heading. */
    public static String markdown(Table t) {
        StringBuilder sb = new StringBuilder("### ").append(t.name()).append("\n\n|");
        for (Column<?> c : t.columns()) {
            sb.append(' ').append(c.name().replace("|", "\\|")).append(" |");
        }
        sb.append("\n|");
        for (Column<?> c : t.columns()) {
            sb.append(c instanceof NumericColumn<?> ? "---:|" : "---|");
        }
        sb.append('\n');
        for (int r = 0; r < t.rowCount(); r++) {
            sb.append('|');
            for (Column<?> c : t.columns()) {
                sb.append(' ').append(cell(c, r).replace("|", "\\|")).append(" |");
            }
            sb.append('\n');
        }
        return sb.append('\n').toString();
    }

    /**
     * One HTML page holding every table, with embedded CSS; images are referenced by relative path,
     * two per line, except those under {@value #WIDE_PREFIX} (the kept-token figures), one per line.
     */
    public static String html(String title, List<Table> tables, List<String> images) {
        StringWriter w = new StringWriter();
        w.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(escape(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
                        + "margin-bottom:2em}th,td{border:1px solid #ccc;padding:4px 8px}td.n{text-align:right}"
                        + "th{background:#f0f0f0}img{max-width:48%;margin:4px}img.wide{max-width:100%}</style>"
                        + "</head><body>\n")
                .append("<h1>")
                .append(escape(title))
                .append("</h1>\n");
        for (Table t : tables) {
            w.append("<h2>").append(escape(t.name())).append("</h2>\n<table><tr>");
            for (Column<?> c : t.columns()) {
                w.append("<th>").append(escape(c.name())).append("</th>");
            }
            w.append("</tr>\n");
            for (int r = 0; r < t.rowCount(); r++) {
                w.append("<tr>");
                for (Column<?> c : t.columns()) {
                    w.append(c instanceof NumericColumn<?> ? "<td class=\"n\">" : "<td>")
                            .append(escape(cell(c, r)))
                            .append("</td>");
                }
                w.append("</tr>\n");
            }
            w.append("</table>\n");
        }
        for (String img : images) {
            w.append(img.startsWith(WIDE_PREFIX) ? "<img class=\"wide\" src=\"" : "<img src=\"")
                    .append(escape(img))
                    .append("\" alt=\"")
                    .append(escape(img))
                    .append("\">\n");
        }
        return w.append("</body></html>\n").toString();
    }

    /** Writes text as UTF-8, creating parent directories. */
    public static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
